// AssemblyScript source of the fused LSTM sequence kernel (WebAssembly SIMD). `npm run build:wasm -w @tdrl/modules`
// compiles it into src/lstm-sequence-wasm.ts (the bytes, base64); a test checks the two agree.
//
// All sizes are counts of f32 values, all pointers byte offsets into this module's memory, every matrix
// row-major. Gates are PyTorch's (i, f, g, o), stacked along the last dim of the [N, 4H] pre-activations.
// H must be a multiple of 4 (the caller pads other sizes with zero-weight units).

// exp(x) on four lanes (Cephes' expf: range reduction by ln 2, degree-5 polynomial), ~1 ulp on [-87, 88].
@inline
function vexp(x: v128): v128 {
  x = f32x4.min(f32x4.max(x, f32x4.splat(-87.0)), f32x4.splat(88.0));
  const fx = f32x4.floor(f32x4.add(f32x4.mul(x, f32x4.splat(1.4426950408889634)), f32x4.splat(0.5)));
  let r = f32x4.sub(x, f32x4.mul(fx, f32x4.splat(0.693359375)));
  r = f32x4.sub(r, f32x4.mul(fx, f32x4.splat(-2.12194440e-4)));
  const z = f32x4.mul(r, r);
  let y = f32x4.splat(1.987569150e-4);
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.3981999507e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(8.3334519073e-3));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(4.1665795894e-2));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(1.6666665459e-1));
  y = f32x4.add(f32x4.mul(y, r), f32x4.splat(5.0000001201e-1));
  y = f32x4.add(f32x4.add(f32x4.mul(y, z), r), f32x4.splat(1.0));
  const pow2 = i32x4.shl(i32x4.add(i32x4.trunc_sat_f32x4_s(fx), i32x4.splat(127)), 23);
  return f32x4.mul(y, pow2);
}

@inline
function vsigmoid(x: v128): v128 {
  const one = f32x4.splat(1.0);
  return f32x4.div(one, f32x4.add(one, vexp(f32x4.neg(x))));
}

// tanh(x) = 2 sigmoid(2x) - 1: absolute error ~1e-7, which is what the gradients need.
@inline
function vtanh(x: v128): v128 {
  const one = f32x4.splat(1.0);
  const two = f32x4.splat(2.0);
  return f32x4.sub(f32x4.div(two, f32x4.add(one, vexp(f32x4.mul(x, f32x4.splat(-2.0))))), one);
}

@inline
function fma(acc: v128, a: v128, b: v128): v128 {
  return f32x4.add(acc, f32x4.mul(a, b));
}

@inline
function initRow(init: usize, ldi: i32, row: i32, col: i32): v128 {
  return init === 0 ? f32x4.splat(0) : v128.load(init + (<usize>(row * ldi + col) << 2));
}

/**
 * C[M, Nc] = Init[M, Nc] + A[M, K] @ B[K, Nc] (Init = 0 when `init` is 0); lda/ldb/ldc/ldi are row strides.
 * Nc must be a multiple of 4. Blocks of 4 rows x 8 columns keep 8 accumulators, 2 loads of B and 4 splats
 * of A in registers; leftover rows and columns take the 1-row and 4-column variants.
 */
export function gemm(
  a: usize,
  lda: i32,
  b: usize,
  ldb: i32,
  c: usize,
  ldc: i32,
  init: usize,
  ldi: i32,
  M: i32,
  K: i32,
  Nc: i32,
): void {
  const bStride = <usize>ldb << 2;
  let r = 0;
  for (; r + 4 <= M; r += 4) {
    const a0 = a + (<usize>(r * lda) << 2);
    const a1 = a0 + (<usize>lda << 2);
    const a2 = a1 + (<usize>lda << 2);
    const a3 = a2 + (<usize>lda << 2);
    let col = 0;
    for (; col + 8 <= Nc; col += 8) {
      let x00 = initRow(init, ldi, r, col);
      let x01 = initRow(init, ldi, r, col + 4);
      let x10 = initRow(init, ldi, r + 1, col);
      let x11 = initRow(init, ldi, r + 1, col + 4);
      let x20 = initRow(init, ldi, r + 2, col);
      let x21 = initRow(init, ldi, r + 2, col + 4);
      let x30 = initRow(init, ldi, r + 3, col);
      let x31 = initRow(init, ldi, r + 3, col + 4);
      let bp = b + (<usize>col << 2);
      for (let k = 0; k < K; k++) {
        const off = <usize>k << 2;
        const b0 = v128.load(bp);
        const b1 = v128.load(bp, 16);
        const s0 = v128.load32_splat(a0 + off);
        x00 = fma(x00, s0, b0);
        x01 = fma(x01, s0, b1);
        const s1 = v128.load32_splat(a1 + off);
        x10 = fma(x10, s1, b0);
        x11 = fma(x11, s1, b1);
        const s2 = v128.load32_splat(a2 + off);
        x20 = fma(x20, s2, b0);
        x21 = fma(x21, s2, b1);
        const s3 = v128.load32_splat(a3 + off);
        x30 = fma(x30, s3, b0);
        x31 = fma(x31, s3, b1);
        bp += bStride;
      }
      const c0 = c + (<usize>(r * ldc + col) << 2);
      const cs = <usize>ldc << 2;
      v128.store(c0, x00);
      v128.store(c0, x01, 16);
      v128.store(c0 + cs, x10);
      v128.store(c0 + cs, x11, 16);
      v128.store(c0 + 2 * cs, x20);
      v128.store(c0 + 2 * cs, x21, 16);
      v128.store(c0 + 3 * cs, x30);
      v128.store(c0 + 3 * cs, x31, 16);
    }
    for (; col < Nc; col += 4) {
      let x0 = initRow(init, ldi, r, col);
      let x1 = initRow(init, ldi, r + 1, col);
      let x2 = initRow(init, ldi, r + 2, col);
      let x3 = initRow(init, ldi, r + 3, col);
      let bp = b + (<usize>col << 2);
      for (let k = 0; k < K; k++) {
        const off = <usize>k << 2;
        const b0 = v128.load(bp);
        x0 = fma(x0, v128.load32_splat(a0 + off), b0);
        x1 = fma(x1, v128.load32_splat(a1 + off), b0);
        x2 = fma(x2, v128.load32_splat(a2 + off), b0);
        x3 = fma(x3, v128.load32_splat(a3 + off), b0);
        bp += bStride;
      }
      const c0 = c + (<usize>(r * ldc + col) << 2);
      const cs = <usize>ldc << 2;
      v128.store(c0, x0);
      v128.store(c0 + cs, x1);
      v128.store(c0 + 2 * cs, x2);
      v128.store(c0 + 3 * cs, x3);
    }
  }
  for (; r < M; r++) {
    const a0 = a + (<usize>(r * lda) << 2);
    for (let col = 0; col < Nc; col += 4) {
      let x0 = initRow(init, ldi, r, col);
      let bp = b + (<usize>col << 2);
      for (let k = 0; k < K; k++) {
        x0 = fma(x0, v128.load32_splat(a0 + (<usize>k << 2)), v128.load(bp));
        bp += bStride;
      }
      v128.store(c + (<usize>(r * ldc + col) << 2), x0);
    }
  }
}

/** dst[cols, rows] = src[rows, cols]^T. */
export function transpose(src: usize, dst: usize, rows: i32, cols: i32): void {
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      store<f32>(dst + (<usize>(j * rows + i) << 2), load<f32>(src + (<usize>(i * cols + j) << 2)));
    }
  }
}

// Zeroes rows n of h and c ([N, H] each) where reset[n * T + s] is set.
@inline
function resetRows(reset: usize, N: i32, T: i32, s: i32, H: i32, h: usize, c: usize): void {
  for (let n = 0; n < N; n++) {
    if (load<u8>(reset + <usize>(n * T + s)) !== 0) {
      memory.fill(h + (<usize>(n * H) << 2), 0, <usize>H << 2);
      memory.fill(c + (<usize>(n * H) << 2), 0, <usize>H << 2);
    }
  }
}

/**
 * The recurrence of one LSTM layer over T steps. In: proj [N, T, 4H] (x W_ih^T + biases), h and c [N, H]
 * (the initial state; left holding the final one), wt = W_hh^T [H, 4H], reset u8 [N, T]. Out: out [N, T, 2H]
 * (h | c after every step), save [T, N, 7H] (per step and sample: h_prev, c_prev, i, f, g, o, tanh(c),
 * what the backward pass reads), pre [N, 4H] scratch.
 */
export function lstmForward(
  N: i32,
  T: i32,
  H: i32,
  proj: usize,
  h: usize,
  c: usize,
  wt: usize,
  reset: usize,
  out: usize,
  save: usize,
  pre: usize,
): void {
  const G = 4 * H;
  for (let s = 0; s < T; s++) {
    resetRows(reset, N, T, s, H, h, c);
    gemm(h, H, wt, G, pre, G, proj + (<usize>(s * G) << 2), T * G, N, H, G);
    // Activations in place over all N * 4H pre-activations: sigmoid for i, f, o; tanh(x) = 2 sigmoid(2x) - 1
    // for g. One loop, so the exp is inlined at one site (the module stays under 4 KB).
    const two = f32x4.splat(2.0);
    const one = f32x4.splat(1.0);
    for (let q = 0; q < N * 4; q++) {
      const isG = (q & 3) === 2;
      const scale = isG ? two : one;
      const shift = isG ? one : f32x4.splat(0);
      const base = pre + (<usize>(q * H) << 2);
      for (let j = 0; j < H; j += 4) {
        const at = base + (<usize>j << 2);
        const sg = vsigmoid(f32x4.mul(v128.load(at), scale));
        v128.store(at, f32x4.sub(f32x4.mul(sg, scale), shift));
      }
    }
    for (let n = 0; n < N; n++) {
      const pr = pre + (<usize>(n * G) << 2);
      const rec = save + (<usize>((s * N + n) * 7 * H) << 2);
      const ob = out + (<usize>((n * T + s) * 2 * H) << 2);
      const hb = h + (<usize>(n * H) << 2);
      const cb = c + (<usize>(n * H) << 2);
      const hBytes = <usize>H << 2;
      for (let j = 0; j < H; j += 4) {
        const o4 = <usize>j << 2;
        const ig = v128.load(pr + o4);
        const fg = v128.load(pr + hBytes + o4);
        const gg = v128.load(pr + 2 * hBytes + o4);
        const og = v128.load(pr + 3 * hBytes + o4);
        const cp = v128.load(cb + o4);
        const cn = f32x4.add(f32x4.mul(fg, cp), f32x4.mul(ig, gg));
        const tc = vtanh(cn);
        const hn = f32x4.mul(og, tc);
        v128.store(rec + o4, v128.load(hb + o4));
        v128.store(rec + hBytes + o4, cp);
        v128.store(rec + 2 * hBytes + o4, ig);
        v128.store(rec + 3 * hBytes + o4, fg);
        v128.store(rec + 4 * hBytes + o4, gg);
        v128.store(rec + 5 * hBytes + o4, og);
        v128.store(rec + 6 * hBytes + o4, tc);
        v128.store(hb + o4, hn);
        v128.store(cb + o4, cn);
        v128.store(ob + o4, hn);
        v128.store(ob + hBytes + o4, cn);
      }
    }
  }
}

/**
 * Backpropagation through time for `lstmForward`. In: dy [N, T, 2H] (gradient of out), w = W_hh [4H, H],
 * reset and save as the forward left them; dh, dc [N, H] zeroed by the caller. Out: dproj [N, T, 4H] (the
 * gate pre-activation gradients, also those of proj), hprev [N, T, H] (the state each step started from,
 * for dW_hh = dproj^T hprev), dh and dc = the gradients of the initial h and c.
 */
export function lstmBackward(
  N: i32,
  T: i32,
  H: i32,
  dy: usize,
  w: usize,
  reset: usize,
  save: usize,
  dproj: usize,
  hprev: usize,
  dh: usize,
  dc: usize,
): void {
  const G = 4 * H;
  const one = f32x4.splat(1.0);
  const hBytes = <usize>H << 2;
  for (let s = T - 1; s >= 0; s--) {
    for (let n = 0; n < N; n++) {
      const rec = save + (<usize>((s * N + n) * 7 * H) << 2);
      const db = dy + (<usize>((n * T + s) * 2 * H) << 2);
      const gb = dproj + (<usize>((n * T + s) * G) << 2);
      const hp = hprev + (<usize>((n * T + s) * H) << 2);
      const dhb = dh + (<usize>(n * H) << 2);
      const dcb = dc + (<usize>(n * H) << 2);
      for (let j = 0; j < H; j += 4) {
        const o4 = <usize>j << 2;
        const cp = v128.load(rec + hBytes + o4);
        const ig = v128.load(rec + 2 * hBytes + o4);
        const fg = v128.load(rec + 3 * hBytes + o4);
        const gg = v128.load(rec + 4 * hBytes + o4);
        const og = v128.load(rec + 5 * hBytes + o4);
        const tc = v128.load(rec + 6 * hBytes + o4);
        const dhv = f32x4.add(v128.load(db + o4), v128.load(dhb + o4));
        const dcv = f32x4.add(
          f32x4.add(v128.load(db + hBytes + o4), v128.load(dcb + o4)),
          f32x4.mul(f32x4.mul(dhv, og), f32x4.sub(one, f32x4.mul(tc, tc))),
        );
        const di = f32x4.mul(f32x4.mul(dcv, gg), f32x4.mul(ig, f32x4.sub(one, ig)));
        const df = f32x4.mul(f32x4.mul(dcv, cp), f32x4.mul(fg, f32x4.sub(one, fg)));
        const dg = f32x4.mul(f32x4.mul(dcv, ig), f32x4.sub(one, f32x4.mul(gg, gg)));
        const dO = f32x4.mul(f32x4.mul(dhv, tc), f32x4.mul(og, f32x4.sub(one, og)));
        v128.store(gb + o4, di);
        v128.store(gb + hBytes + o4, df);
        v128.store(gb + 2 * hBytes + o4, dg);
        v128.store(gb + 3 * hBytes + o4, dO);
        v128.store(hp + o4, v128.load(rec + o4));
        v128.store(dcb + o4, f32x4.mul(dcv, fg));
      }
    }
    // dh = dgates(step s) @ W_hh: the rows of step s in dproj are T * 4H apart.
    gemm(dproj + (<usize>(s * G) << 2), T * G, w, H, dh, H, 0, 0, N, G, H);
    resetRows(reset, N, T, s, H, dh, dc);
  }
}

/** Where the caller may start laying out its buffers. */
export function heapBase(): usize {
  return __heap_base;
}
