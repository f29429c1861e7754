/** Append-only typed arrays that double their capacity, for predictions gathered batch by batch. */

abstract class Builder<T extends Float64Array | Int32Array> {
  protected buffer: T;
  length = 0;

  constructor(private readonly make: (n: number) => T) {
    this.buffer = make(1024);
  }

  /** Appends one value. */
  push(value: number): void {
    if (this.length === this.buffer.length) {
      const next = this.make(this.buffer.length * 2);
      next.set(this.buffer);
      this.buffer = next;
    }
    this.buffer[this.length++] = value;
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
