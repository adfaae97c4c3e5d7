// Splits a byte stream into JSON lines. Used for the worker's channel and for
// `dbt --log-format json` output alike. Tolerates chunks that split lines or
// UTF-8 sequences anywhere, invalid UTF-8 (replaced), invalid JSON and
// oversized lines (both reported and skipped, never thrown).

export interface LineReaderOptions {
  /** Called with every line that parsed as a JSON object. */
  onValue: (value: Record<string, unknown>) => void;
  /** Called for a line that was skipped (not JSON, not an object, too long). */
  onSkip?: (reason: string, preview: string) => void;
  /** Longest accepted line in bytes; longer lines are skipped. Default 64 MiB. */
  maxLineBytes?: number;
}

const NEWLINE = 0x0a;

export class JsonLineReader {
  private pieces: Buffer[] = [];
  private pending = 0;
  /** True while the rest of an oversized line is being dropped. */
  private discarding = false;
  private readonly maxLineBytes: number;
  private readonly decoder = new TextDecoder('utf-8', { fatal: false });

  constructor(private readonly options: LineReaderOptions) {
    this.maxLineBytes = options.maxLineBytes ?? 64 * 1024 * 1024;
  }

  push(chunk: Buffer | Uint8Array | string): void {
    let buf = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    for (;;) {
      const nl = buf.indexOf(NEWLINE);
      if (nl < 0) {
        this.append(buf);
        return;
      }
      this.append(buf.subarray(0, nl));
      this.finishLine();
      buf = buf.subarray(nl + 1);
    }
  }

  /** The stream ended: a last line without a newline still counts. */
  end(): void {
    if (this.pending > 0 || this.discarding) this.finishLine();
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    if (this.discarding) return;
    if (this.pending + part.length > this.maxLineBytes) {
      const preview = this.decode(Buffer.concat([...this.pieces, part]).subarray(0, 200));
      this.pieces = [];
      this.pending = 0;
      this.discarding = true;
      this.options.onSkip?.(`line longer than ${this.maxLineBytes} bytes`, preview);
      return;
    }
    this.pieces.push(part);
    this.pending += part.length;
  }

  private finishLine(): void {
    const wasDiscarding = this.discarding;
    const bytes = this.pieces.length === 1 ? this.pieces[0] : Buffer.concat(this.pieces, this.pending);
    this.pieces = [];
    this.pending = 0;
    this.discarding = false;
    if (wasDiscarding || bytes.length === 0) return;
    const text = this.decode(bytes).trim();
    if (text.length === 0) return;
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (e) {
      this.options.onSkip?.(`invalid JSON (${(e as Error).message})`, text.slice(0, 200));
      return;
    }
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      this.options.onSkip?.('not a JSON object', text.slice(0, 200));
      return;
    }
    this.options.onValue(value as Record<string, unknown>);
  }

  private decode(bytes: Buffer): string {
    return this.decoder.decode(bytes);
  }
}
