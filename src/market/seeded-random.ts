/**
 * A small, fast, seeded pseudo-random generator: xoshiro128** (Blackman & Vigna) seeded
 * through splitmix32, so the same (seed, stream) always gives the same sequence and
 * different streams of one seed are independent for any practical purpose. The market
 * model gives every symbol its own stream, so one symbol's path does not depend on how
 * often the others were stepped. Normals come from the ziggurat method (Marsaglia & Tsang
 * 2000, 128 layers), with the layer and the value taken from separate bits of each word
 * (Doornik 2005), so 99 % of normals cost one 32-bit word and no transcendental function.
 *
 * Allocation-free by construction. All variates come from one block of raw 32-bit words
 * made with the generator state in local variables. Hot callers take variates a block at
 * a time with `fillNormals`/`fillUniforms` (which return nothing) and read them from
 * their own Float64Array: a call that V8 does not inline returns a double boxed, i.e.
 * allocated, and whether V8 inlines a call is its own decision. `nextFloat`/`nextNormal`
 * work the same way on the generator's own blocks, for callers that do not mind. Not
 * cryptographic.
 */
const TWO_POW_MINUS_32 = 1 / 4_294_967_296;
/** Variates made per refill. */
const BLOCK_SIZE = 256;

// Ziggurat tables for the standard normal, 128 layers. A word's high 25 bits are a
// signed value v in [-2^24, 2^24); the low 7 bits pick layer i. x = v·LAYER_WIDTH[i] is
// accepted at once when |v| < LAYER_INNER[i] (the rectangle lies wholly under the
// density); otherwise a slower test decides (see #slowNormal).
const LAYERS = 128;
const VALUE_SCALE = 16_777_216; // 2^24
const TAIL_START = 3.442619855899;
const LAYER_AREA = 9.91256303526217e-3;
const LAYER_INNER = new Float64Array(LAYERS);
const LAYER_WIDTH = new Float64Array(LAYERS);
const LAYER_DENSITY = new Float64Array(LAYERS);
{
  let edge = TAIL_START;
  let previousEdge = edge;
  const base = LAYER_AREA / Math.exp(-0.5 * edge * edge);
  LAYER_INNER[0] = (edge / base) * VALUE_SCALE;
  LAYER_INNER[1] = 0;
  LAYER_WIDTH[0] = base / VALUE_SCALE;
  LAYER_WIDTH[LAYERS - 1] = edge / VALUE_SCALE;
  LAYER_DENSITY[0] = 1;
  LAYER_DENSITY[LAYERS - 1] = Math.exp(-0.5 * edge * edge);
  for (let i = LAYERS - 2; i >= 1; i--) {
    edge = Math.sqrt(-2 * Math.log(LAYER_AREA / edge + Math.exp(-0.5 * edge * edge)));
    LAYER_INNER[i + 1] = (edge / previousEdge) * VALUE_SCALE;
    previousEdge = edge;
    LAYER_DENSITY[i] = Math.exp(-0.5 * edge * edge);
    LAYER_WIDTH[i] = edge / VALUE_SCALE;
  }
}

/** splitmix32: a well-mixed 32-bit sequence from any 32-bit start, used only to seed. */
function splitmix32(state: Int32Array): number {
  state[0] = (state[0] + 0x9e3779b9) | 0;
  let z = state[0];
  z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
  z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
  return (z ^ (z >>> 16)) | 0;
}

export class SeededRandom {
  readonly #state = new Int32Array(4);
  /** Raw generator output, as int32. */
  readonly #words = new Int32Array(BLOCK_SIZE);
  readonly #normals = new Float64Array(BLOCK_SIZE);
  readonly #uniforms = new Float64Array(BLOCK_SIZE);
  /** Next unread index of each block; BLOCK_SIZE = used up. */
  #wordCursor = BLOCK_SIZE;
  #normalCursor = BLOCK_SIZE;
  #uniformCursor = BLOCK_SIZE;

  /**
   * @param seed any integer; only its low 32 bits count.
   * @param stream selects an independent sequence of the same seed (e.g. a symbol index).
   */
  constructor(seed: number, stream = 0) {
    const mixer = new Int32Array(1);
    mixer[0] = (seed | 0) ^ Math.imul(stream | 0, 0x632be5ab);
    // Mixing the stream in once more keeps (seed, stream) and (seed', stream') with the
    // same xor apart.
    mixer[0] = splitmix32(mixer) ^ (stream | 0);
    for (let i = 0; i < 4; i++) this.#state[i] = splitmix32(mixer);
    if ((this.#state[0] | this.#state[1] | this.#state[2] | this.#state[3]) === 0) this.#state[0] = 1;
  }

  /** A generator with an exact xoshiro128** state (for reference vectors). */
  static fromState(s0: number, s1: number, s2: number, s3: number): SeededRandom {
    const random = new SeededRandom(0);
    random.#state[0] = s0;
    random.#state[1] = s1;
    random.#state[2] = s2;
    random.#state[3] = s3;
    return random;
  }

  /** Next 32 random bits as an unsigned integer 0..2^32-1. */
  nextUint32(): number {
    return this.#nextWord() >>> 0;
  }

  /** Uniform in [0, 1), 32 bits of resolution. */
  nextFloat(): number {
    if (this.#uniformCursor === BLOCK_SIZE) this.#refillUniforms();
    return this.#uniforms[this.#uniformCursor++];
  }

  /** Uniform integer in 0..bound-1 (bound a positive integer < 2^31; bias < bound/2^32). */
  nextInt(bound: number): number {
    // `| 0` keeps the result a small integer, which V8 never boxes.
    return (this.nextFloat() * bound) | 0;
  }

  /** Standard normal N(0, 1). */
  nextNormal(): number {
    if (this.#normalCursor === BLOCK_SIZE) this.#refillNormals();
    return this.#normals[this.#normalCursor++];
  }

  /** Exponential with mean 1. */
  nextExponential(): number {
    return -Math.log(1 - this.nextFloat());
  }

  /** Next raw word as int32 (inlined into the refills; public callers use nextUint32). */
  #nextWord(): number {
    if (this.#wordCursor === BLOCK_SIZE) this.#refillWords();
    return this.#words[this.#wordCursor++];
  }

  /** Uniform in (0, 1], for logarithms. */
  #nextOpenUniform(): number {
    return ((this.#nextWord() >>> 0) + 1) * TWO_POW_MINUS_32;
  }

  /** BLOCK_SIZE words of xoshiro128** with the state in locals (twice as fast as calls). */
  #refillWords(): void {
    const state = this.#state;
    const block = this.#words;
    let s0 = state[0];
    let s1 = state[1];
    let s2 = state[2];
    let s3 = state[3];
    for (let j = 0; j < BLOCK_SIZE; j++) {
      const times5 = Math.imul(s1, 5);
      block[j] = Math.imul((times5 << 7) | (times5 >>> 25), 9);
      const t = s1 << 9;
      s2 ^= s0;
      s3 ^= s1;
      s1 ^= s2;
      s0 ^= s3;
      s2 ^= t;
      s3 = (s3 << 11) | (s3 >>> 21);
    }
    state[0] = s0;
    state[1] = s1;
    state[2] = s2;
    state[3] = s3;
    this.#wordCursor = 0;
  }

  /** Fill target[offset, offset + count) with uniforms in [0, 1), 32 bits of resolution. */
  fillUniforms(target: Float64Array, offset: number, count: number): void {
    for (let j = offset; j < offset + count; j++) target[j] = (this.#nextWord() >>> 0) * TWO_POW_MINUS_32;
  }

  /** Fill target[offset, offset + count) with standard normals N(0, 1). */
  fillNormals(target: Float64Array, offset: number, count: number): void {
    for (let j = offset; j < offset + count; j++) {
      const word = this.#nextWord();
      const layer = word & (LAYERS - 1);
      const value = word >> 7;
      if (Math.abs(value) < LAYER_INNER[layer]) target[j] = value * LAYER_WIDTH[layer];
      else this.#slowNormal(target, j, value, layer);
    }
  }

  #refillUniforms(): void {
    this.fillUniforms(this.#uniforms, 0, BLOCK_SIZE);
    this.#uniformCursor = 0;
  }

  #refillNormals(): void {
    this.fillNormals(this.#normals, 0, BLOCK_SIZE);
    this.#normalCursor = 0;
  }

  /**
   * The ziggurat's rare path (~1 % of draws): the tail, or a wedge test, or a fresh try.
   * Writes block[at] rather than returning the double, which would be boxed.
   */
  #slowNormal(block: Float64Array, at: number, firstValue: number, firstLayer: number): void {
    let value = firstValue;
    let layer = firstLayer;
    for (;;) {
      const x = value * LAYER_WIDTH[layer];
      if (layer === 0) {
        // Beyond TAIL_START: Marsaglia's exponential rejection for the normal tail.
        for (;;) {
          const tail = -Math.log(this.#nextOpenUniform()) / TAIL_START;
          const y = -Math.log(this.#nextOpenUniform());
          if (y + y >= tail * tail) {
            block[at] = value > 0 ? TAIL_START + tail : -TAIL_START - tail;
            return;
          }
        }
      }
      const density = LAYER_DENSITY[layer] + (this.#nextWord() >>> 0) * TWO_POW_MINUS_32 * (LAYER_DENSITY[layer - 1] - LAYER_DENSITY[layer]);
      if (density < Math.exp(-0.5 * x * x)) {
        block[at] = x;
        return;
      }
      const word = this.#nextWord();
      layer = word & (LAYERS - 1);
      value = word >> 7;
      if (Math.abs(value) < LAYER_INNER[layer]) {
        block[at] = value * LAYER_WIDTH[layer];
        return;
      }
    }
  }
}
