// Large generated files (a plan of 100,000 tasks, a fan-in's list of inputs) written as bytes,
// piece by piece, through one buffer: each piece is a short-lived string, where collecting
// the pieces to join them would keep 100,000 strings alive together, which V8's young
// generation copies at every collection until it promotes them.

/** A UTF-16 unit is at most 3 bytes of UTF-8 (a surrogate pair, two units, is 4). */
const MAX_BYTES_PER_UNIT = 3;

export class ByteWriter {
  private readonly done: Buffer[] = [];
  private buffer: Buffer;
  private used = 0;

  /**
   * `seal(bytes)` makes each full buffer's bytes what is kept of them (a gzip member, or a
   * copy). A buffer is sealed when it is full to its last byte, so that the same bytes give
   * the same seals however they were cut into pieces (a character may be cut between two).
   */
  constructor(
    private readonly size = 1 << 16,
    private readonly seal: (bytes: Buffer) => Buffer = (bytes) => Buffer.from(bytes),
  ) {
    this.buffer = Buffer.allocUnsafe(size);
  }

  write(text: string): void {
    if (this.used + MAX_BYTES_PER_UNIT * text.length <= this.size) this.used += this.buffer.write(text, this.used);
    else this.writeBytes(Buffer.from(text, "utf8"));
  }

  /** Copies `bytes` in (they may be reused once this returns). */
  writeBytes(bytes: Uint8Array): void {
    for (let at = 0; at < bytes.length; ) {
      if (this.used === this.size) this.flush();
      const n = Math.min(bytes.length - at, this.size - this.used);
      this.buffer.set(bytes.subarray(at, at + n), this.used);
      this.used += n;
      at += n;
    }
  }

  /** Everything written, as the sealed pieces concatenated. */
  bytes(): Buffer {
    this.flush();
    return this.done.length === 1 ? this.done[0]! : Buffer.concat(this.done);
  }

  private flush(): void {
    if (this.used > 0) this.done.push(this.seal(this.buffer.subarray(0, this.used)));
    this.used = 0;
  }
}
