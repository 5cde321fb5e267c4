import assert from 'node:assert/strict';
import { test } from 'node:test';
import { convertSchema } from '../../../src/adapters/gemini/convert-schema.js';

test('unsupported keywords are removed at every depth; the tree is kept, property names untouched', () => {
  const converted = convertSchema({
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'urn:order',
    title: 'Order',
    type: 'object',
    additionalProperties: false,
    properties: {
      default: { type: 'string', default: 'x', examples: ['y'], format: 'email', minLength: 1 },
      type: { type: 'string', enum: ['a', 'b'], format: 'enum' },
      lines: {
        type: 'array',
        minItems: 1,
        uniqueItems: true,
        items: {
          type: 'object',
          additionalProperties: { type: 'string' },
          properties: {
            quantity: { type: 'integer', exclusiveMinimum: 0, maximum: 99, multipleOf: 1 },
            when: { type: 'string', format: 'date-time' },
          },
          required: ['quantity', 'missing'],
          patternProperties: { '^x-': {} },
        },
      },
    },
    required: ['lines'],
    if: { properties: { type: { const: 'a' } } },
    then: { required: ['default'] },
  });
  assert.deepEqual(converted, {
    title: 'Order',
    type: 'object',
    properties: {
      default: { type: 'string', minLength: 1 },
      type: { type: 'string', format: 'enum', enum: ['a', 'b'] },
      lines: {
        type: 'array',
        minItems: 1,
        items: {
          type: 'object',
          properties: {
            quantity: { type: 'integer', maximum: 99 },
            when: { type: 'string', format: 'date-time' },
          },
          required: ['quantity'],
        },
      },
    },
    required: ['lines'],
  });
});

test('$ref / $defs are inlined, sibling keywords win, and a recursive reference is cut', () => {
  const converted = convertSchema({
    type: 'object',
    $defs: {
      address: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
      node: { type: 'object', properties: { children: { type: 'array', items: { $ref: '#/$defs/node' } } } },
    },
    definitions: { legacy: { type: 'boolean' } },
    properties: {
      home: { $ref: '#/$defs/address', description: 'Where they live' },
      flag: { $ref: '#/definitions/legacy' },
      tree: { $ref: '#/$defs/node' },
      remote: { $ref: 'https://example.com/schema.json' },
    },
  });
  assert.deepEqual(converted, {
    type: 'object',
    properties: {
      home: {
        description: 'Where they live',
        type: 'object',
        properties: { city: { type: 'string' } },
        required: ['city'],
      },
      flag: { type: 'boolean' },
      tree: {
        type: 'object',
        properties: { children: { type: 'array', items: { type: 'object' } } },
      },
      remote: { type: 'object' },
    },
  });
});

test('nullable unions, anyOf/oneOf, allOf, const and type lists', () => {
  const converted = convertSchema({
    type: 'object',
    properties: {
      maybeName: { type: ['string', 'null'], description: 'Optional' },
      either: { oneOf: [{ type: 'string' }, { type: 'integer' }] },
      maybeCount: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
      many: { type: ['string', 'number'] },
      merged: {
        allOf: [
          { type: 'object', properties: { a: { type: 'string' } }, required: ['a'] },
          { properties: { b: { type: 'number' } }, required: ['b'] },
        ],
      },
      fixed: { const: 'yes' },
      level: { type: 'integer', enum: [1, 2, null] },
      anything: {},
      list: { type: 'array' },
    },
  });
  assert.deepEqual(converted, {
    type: 'object',
    properties: {
      maybeName: { type: 'string', description: 'Optional', nullable: true },
      either: { anyOf: [{ type: 'string' }, { type: 'integer' }] },
      maybeCount: { type: 'integer', nullable: true },
      many: { anyOf: [{ type: 'string' }, { type: 'number' }] },
      merged: {
        type: 'object',
        properties: { a: { type: 'string' }, b: { type: 'number' } },
        required: ['a', 'b'],
      },
      fixed: { type: 'string', enum: ['yes'] },
      level: { type: 'integer', enum: ['1', '2'], nullable: true },
      anything: {},
      list: { type: 'array', items: { type: 'string' } },
    },
  });
});
