import { MemoryStore } from '../../src/state/memory-store.js';
import { describeStoreConformance } from './store-conformance.js';

const store = new MemoryStore();
describeStoreConformance('memory', () => store);
