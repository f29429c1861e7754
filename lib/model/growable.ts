/** Append-only typed arrays that double their capacity, for predictions gathered batch by batch. */

abstract class Builder<T extends Float64Array | Int32Array> {
  protected buffer: T;
  length = 0;

  constructor(private readonly make: (n: number) => T) {
    this.buffer = make(1024);
  }

  /** Appends one value. */
  push(value: number): void {
    if (this.length === this.buffer.length) this.grow(this.length + 1);
    this.buffer[this.length++] = value;
  }

  /**
   * Makes room for `count` more values, so that appending a batch whose size is known copies nothing: capacity at
   * least doubles when it grows, so a run of reservations stays linear.
   */
  reserve(count: number): void {
    if (this.length + count > this.buffer.length) this.grow(this.length + count);
  }

  /** Appends every value of `values` (converted to the element type, as `push` does). */
  append(values: ArrayLike<number>): void {
    this.reserve(values.length);
    this.buffer.set(values, this.length);
    this.length += values.length;
  }

  private grow(needed: number): void {
    const next = this.make(Math.max(needed, this.buffer.length * 2));
    next.set(this.buffer.subarray(0, this.length));
    this.buffer = next;
  }

  /** The values appended so far (a view, not a copy). */
  finish(): T {
    return this.buffer.subarray(0, this.length) as T;
  }
}

/** A growable Float64Array. */
export class Float64Builder extends Builder<Float64Array> {
  constructor() {
    super((n) => new Float64Array(n));
  }
}

/** A growable Int32Array. */
export class Int32Builder extends Builder<Int32Array> {
  constructor() {
    super((n) => new Int32Array(n));
  }
}
