/**
 * Two MD5s over the same bytes in one pass: a multipart upload's part MD5 (its `Content-MD5`)
 * and the file's MD5, both needed of every byte (hash-pass.ts).
 *
 * Why not two OpenSSL hashes: MD5 is one long chain of dependent steps, so one hash keeps a core
 * waiting on its own results (~5 cycles a byte, ~800 MiB/s here) while most of its execution
 * units idle. Two independent chains interleaved step by step run side by side on the same core:
 * both MD5s in about the time of one (half that of one after the other), and each 64-byte
 * block is loaded once.
 * That is the largest part of an upload's CPU (bench P1, P10, P13).
 *
 * The code is a small WebAssembly module written out here, step by step (RFC 1321), so there is
 * nothing to compile or download; the tests compare it with `node:crypto` on many sizes and part
 * boundaries. A part must start on a 64-byte boundary of the file (`isPairable`).
 */

/** Per-step constants: floor(|sin(i + 1)| × 2³²). */
const K = Array.from({ length: 64 }, (_, i) => Math.floor(Math.abs(Math.sin(i + 1)) * 2 ** 32) | 0);
/** Per-step left rotations. */
const S = [7, 12, 17, 22, 5, 9, 14, 20, 4, 11, 16, 23, 6, 10, 15, 21];
const IV = [0x67452301, 0xefcdab89 | 0, 0x98badcfe | 0, 0x10325476];

/** Message word used by step `i`. */
function wordOf(i: number): number {
  if (i < 16) return i;
  if (i < 32) return (5 * i + 1) % 16;
  if (i < 48) return (3 * i + 5) % 16;
  return (7 * i) % 16;
}

// WebAssembly opcodes used below.
const OP = {
  get: 0x20, set: 0x21, const: 0x41, load: 0x28, store: 0x36, add: 0x6a, sub: 0x6b, and: 0x71, or: 0x72, xor: 0x73, rotl: 0x77,
  eqz: 0x45, block: 0x02, loop: 0x03, br: 0x0c, brIf: 0x0d, end: 0x0b, void: 0x40,
} as const;

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let byte = n & 0x7f;
    n >>>= 7;
    if (n !== 0) byte |= 0x80;
    out.push(byte);
  } while (n !== 0);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = n & 0x7f;
    n >>= 7;
    if ((n === 0 && (byte & 0x40) === 0) || (n === -1 && (byte & 0x40) !== 0)) {
      out.push(byte);
      return out;
    }
    out.push(byte | 0x80);
  }
}

const vec = (items: number[][]): number[] => [...uleb(items.length), ...items.flat()];
const section = (id: number, body: number[]): number[] => [id, ...uleb(body.length), ...body];
const name = (s: string): number[] => [...uleb(s.length), ...Buffer.from(s, 'latin1')];

/**
 * The body of a function hashing `n` 64-byte blocks at `ptr` into `streams` MD5 states (4 words
 * each, at `stateAt(k)`: code reading the state's base address), all fed the same blocks.
 * Locals: the params first, then a, b, c, d per stream and one for K + M. The states stay in
 * memory between blocks (loaded and added back once a block): fewer values to keep in registers.
 */
function blocksBody(params: { ptr: number; n: number }, firstLocal: number, streams: number, stateAt: (k: number) => number[]): number[] {
  const code: number[] = [];
  const vars = Array.from({ length: streams }, (_, k) => [0, 1, 2, 3].map((j) => firstLocal + 4 * k + j));
  const km = firstLocal + 4 * streams;
  const get = (l: number): void => void code.push(OP.get, ...uleb(l));
  const set = (l: number): void => void code.push(OP.set, ...uleb(l));
  const op = (...ops: number[]): void => void code.push(...ops);

  op(OP.block, OP.void, OP.loop, OP.void);
  get(params.n);
  op(OP.eqz, OP.brIf, 1);
  for (let k = 0; k < streams; k++) {
    for (let j = 0; j < 4; j++) {
      op(...stateAt(k), OP.load, 2, ...uleb(4 * j));
      set(vars[k]![j]!);
    }
  }
  const names = vars.map((v) => [...v]);
  for (let i = 0; i < 64; i++) {
    get(params.ptr);
    op(OP.load, 2, ...uleb(4 * wordOf(i)), OP.const, ...sleb(K[i]!), OP.add);
    set(km);
    for (let k = 0; k < streams; k++) {
      const [a, b, c, d] = names[k]! as [number, number, number, number];
      // a = b + rotl(a + F(b, c, d) + K[i] + M[g], s)
      get(b);
      // a + K[i] + M[g] first: off the chain of steps that waits on b.
      get(a);
      get(km);
      op(OP.add);
      // F, G, H, I (added in), written so that each waits on b for as few operations as possible.
      if (i < 16) {
        get(d); get(b); get(c); get(d); op(OP.xor, OP.and, OP.xor, OP.add); // d ^ (b & (c ^ d))
      } else if (i < 32) {
        // (b & d) | (c & ~d): the two share no bit, so | is +, and c & ~d goes in first.
        get(c); get(d); op(OP.const, ...sleb(-1), OP.xor, OP.and, OP.add); get(b); get(d); op(OP.and, OP.add);
      } else if (i < 48) {
        get(b); get(c); get(d); op(OP.xor, OP.xor, OP.add); // b ^ (c ^ d)
      } else {
        get(c); get(b); get(d); op(OP.const, ...sleb(-1), OP.xor, OP.or, OP.xor, OP.add); // c ^ (b | ~d)
      }
      op(OP.const, ...sleb(S[(i >> 4) * 4 + (i % 4)]!), OP.rotl, OP.add);
      set(a);
      names[k] = [d, a, b, c];
    }
  }
  // 64 steps rotate the names back to where they started.
  for (let k = 0; k < streams; k++) {
    for (let j = 0; j < 4; j++) {
      op(...stateAt(k));
      get(vars[k]![j]!);
      op(...stateAt(k), OP.load, 2, ...uleb(4 * j), OP.add, OP.store, 2, ...uleb(4 * j));
    }
  }
  get(params.ptr);
  op(OP.const, ...sleb(64), OP.add);
  set(params.ptr);
  get(params.n);
  op(OP.const, 1, OP.sub);
  set(params.n);
  op(OP.br, 0, OP.end, OP.end, OP.end);
  const locals = 4 * streams + 1;
  return [...vec([[...uleb(locals), 0x7f]]), ...code];
}

/** Memory layout (bytes): the file's state, the part's state, the padding blocks, the data. */
const FILE_STATE = 0;
const PART_STATE = 16;
const PAD = 64;
const DATA = 256;
/** Bytes hashed per {@link Md5Pair.commit} at most. */
export const MD5_PAIR_CAPACITY = 256 * 1024;
const PAGES = Math.ceil((DATA + 64 + MD5_PAIR_CAPACITY) / 65536);

function moduleBytes(): Uint8Array {
  const i32 = 0x7f;
  const types = section(1, vec([[0x60, ...vec([[i32], [i32]]), 0], [0x60, ...vec([[i32], [i32], [i32]]), 0]]));
  const funcs = section(3, vec([[0], [1]]));
  const memory = section(5, vec([[0x00, ...uleb(PAGES)]]));
  const exports = section(7, vec([[...name('memory'), 2, 0], [...name('pair'), 0, 0], [...name('single'), 0, 1]]));
  // pair(ptr, n): the file's and the part's states; single(state, ptr, n): one state (padding).
  const pair = blocksBody({ ptr: 0, n: 1 }, 2, 2, (k) => [OP.const, ...sleb(k === 0 ? FILE_STATE : PART_STATE)]);
  const single = blocksBody({ ptr: 1, n: 2 }, 3, 1, () => [OP.get, 0]);
  const code = section(10, vec([[...uleb(pair.length), ...pair], [...uleb(single.length), ...single]]));
  return new Uint8Array([0x00, 0x61, 0x73, 0x6d, 1, 0, 0, 0, ...types, ...funcs, ...memory, ...exports, ...code]);
}

/** The little of the WebAssembly API used here (the project's TypeScript libs do not declare it). */
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object) => { exports: unknown };
};

let compiled: object | undefined;

interface PairExports {
  memory: { buffer: ArrayBuffer };
  pair(ptr: number, n: number): void;
  single(state: number, ptr: number, n: number): void;
}

/** Whether parts of `partSize` bytes start on 64-byte boundaries of the file (what {@link Md5Pair} needs). */
export function isPairable(partSize: number): boolean {
  return partSize % 64 === 0;
}

/**
 * The file's MD5 and the current part's MD5, fed the same bytes: read the next bytes into
 * {@link space}, {@link commit} them, take {@link partDigest} at each part's end and
 * {@link fileDigest} at the file's. Each instance has its own memory (one per upload).
 */
export class Md5Pair {
  readonly #x: PairExports;
  readonly #mem: Buffer;
  /** Bytes of an unfinished block waiting at DATA. */
  #carry = 0;
  #fileLength = 0;
  #partLength = 0;

  constructor() {
    compiled ??= new WebAssembly.Module(moduleBytes());
    this.#x = new WebAssembly.Instance(compiled).exports as unknown as PairExports;
    this.#mem = Buffer.from(this.#x.memory.buffer);
    this.#reset(FILE_STATE);
    this.#reset(PART_STATE);
  }

  #reset(state: number): void {
    for (let j = 0; j < 4; j++) this.#mem.writeInt32LE(IV[j]!, state + 4 * j);
  }

  /** Where the next (at most `max`, at most {@link MD5_PAIR_CAPACITY}) bytes go. */
  space(max: number): Buffer {
    return this.#mem.subarray(DATA + this.#carry, DATA + this.#carry + Math.min(max, MD5_PAIR_CAPACITY));
  }

  /** Hashes the `n` bytes just written to {@link space} into both MD5s. */
  commit(n: number): void {
    const total = this.#carry + n;
    const blocks = total >>> 6;
    if (blocks > 0) this.#x.pair(DATA, blocks);
    this.#carry = total & 63;
    if (this.#carry > 0 && blocks > 0) this.#mem.copyWithin(DATA, DATA + blocks * 64, DATA + total);
    this.#fileLength += n;
    this.#partLength += n;
  }

  /**
   * The part's MD5 (16 bytes); the next bytes start a new part. Mid-file a part must end on a
   * 64-byte boundary; the file's last part may end anywhere.
   */
  partDigest(): Uint8Array {
    const digest = this.#finish(PART_STATE, this.#partLength);
    this.#reset(PART_STATE);
    this.#partLength = 0;
    return digest;
  }

  /** The file's MD5 (lowercase hex), after its last bytes. */
  fileDigest(): string {
    return Buffer.from(this.#finish(FILE_STATE, this.#fileLength)).toString('hex');
  }

  /** Runs the unfinished block, the 0x80 byte, zeros and the bit length through one state. */
  #finish(state: number, length: number): Uint8Array {
    const tail = this.#carry;
    const padded = tail < 56 ? 64 : 128;
    this.#mem.copyWithin(PAD, DATA, DATA + tail);
    this.#mem.fill(0, PAD + tail, PAD + padded);
    this.#mem[PAD + tail] = 0x80;
    const bits = length * 8;
    this.#mem.writeUInt32LE(bits >>> 0, PAD + padded - 8);
    this.#mem.writeUInt32LE(Math.floor(bits / 2 ** 32), PAD + padded - 4);
    this.#x.single(state, PAD, padded / 64);
    return new Uint8Array(this.#mem.subarray(state, state + 16));
  }
}
