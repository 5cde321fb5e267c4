/** A series' labels, keyed by label name in the metric's declared order. */
export type Labels = Readonly<Record<string, string>>;

/**
 * The most labels a metric may have. Lookups take the values as separate parameters: a rest array would be
 * allocated on every call (~56 B for five labels, measured), and the request path should allocate nothing.
 */
export const MAX_LABELS = 6;

/** A level of the label-value tree: one Map lookup per label, no key string to build per request. */
class SeriesNode<Series> {
  readonly #children = new Map<string | undefined, SeriesNode<Series>>();
  series: Series | null = null;

  child(value: string | undefined): SeriesNode<Series> {
    let child = this.#children.get(value);
    if (child === undefined) {
      child = new SeriesNode<Series>();
      this.#children.set(value, child);
    }
    return child;
  }
}

/**
 * The series of a labelled metric, found from their label values in declared order. Lookups of a combination
 * already seen are Map hits on the values as given: no key string is built, hashed or allocated.
 */
export class SeriesIndex<Series> {
  readonly #root = new SeriesNode<Series>();

  constructor(
    private readonly metricName: string,
    private readonly labelNames: readonly string[],
    private readonly create: (labels: Labels) => Series,
  ) {}

  find(
    first?: string,
    second?: string,
    third?: string,
    fourth?: string,
    fifth?: string,
    sixth?: string,
  ): Series {
    const depth = this.labelNames.length;
    let node = this.#root;
    if (depth > 0) node = node.child(first);
    if (depth > 1) node = node.child(second);
    if (depth > 2) node = node.child(third);
    if (depth > 3) node = node.child(fourth);
    if (depth > 4) node = node.child(fifth);
    if (depth > 5) node = node.child(sixth);
    return (node.series ??= this.create(
      this.#labelsOf([first, second, third, fourth, fifth, sixth].slice(0, depth)),
    ));
  }

  #labelsOf(values: readonly (string | undefined)[]): Labels {
    const labels: Record<string, string> = {};
    // Built in the declared order: the exposition prints labels in the object's key order.
    this.labelNames.forEach((name, index) => {
      const value = values[index];
      if (typeof value !== 'string') throw new Error(`${this.metricName}: no value for the label ${name}`);
      labels[name] = value;
    });
    return labels;
  }
}
