/** A small float MLP (dense layers, ReLU between them) trained with Adam on mean squared error. */

export interface DenseLayer {
  /** Row-major [units][depth]. */
  weights: Float64Array;
  bias: Float64Array;
  units: number;
  depth: number;
  relu: boolean;
}

export type Mlp = DenseLayer[];

/** mulberry32: a tiny seeded PRNG, so training is identical on every machine. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Forward pass of one sample; `acts[i]` receives layer i's output (after ReLU when it has one). */
export function forward(net: Mlp, x: Float64Array, acts: Float64Array[]): Float64Array {
  let input = x;
  net.forEach((l, i) => {
    const out = acts[i]!;
    for (let o = 0; o < l.units; o++) {
      let s = l.bias[o]!;
      for (let d = 0; d < l.depth; d++) s += l.weights[o * l.depth + d]! * input[d]!;
      out[o] = l.relu && s < 0 ? 0 : s;
    }
    input = out;
  });
  return input;
}

export interface AdamOptions {
  epochs: number;
  batchSize: number;
  learningRate: number;
  random: () => number;
}

/** Mini-batch Adam on MSE; returns the final mean squared error on the training set. */
export function trainAdam(net: Mlp, xs: Float64Array[], ys: Float64Array[], opt: AdamOptions): number {
  const beta1 = 0.9;
  const beta2 = 0.999;
  const eps = 1e-7;
  const params = net.flatMap((l) => [l.weights, l.bias]);
  const grads = params.map((p) => new Float64Array(p.length));
  const m = params.map((p) => new Float64Array(p.length));
  const v = params.map((p) => new Float64Array(p.length));
  const acts = net.map((l) => new Float64Array(l.units));
  const deltas = net.map((l) => new Float64Array(l.units));
  const order = Array.from(xs, (_, i) => i);
  let beta1t = 1;
  let beta2t = 1;

  for (let epoch = 0; epoch < opt.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(opt.random() * (i + 1));
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    for (let start = 0; start < order.length; start += opt.batchSize) {
      const batch = order.slice(start, start + opt.batchSize);
      for (const g of grads) g.fill(0);
      for (const k of batch) accumulateGradient(net, xs[k]!, ys[k]!, acts, deltas, grads, batch.length);
      // Powers by repeated multiplication: Math.pow may differ between engines, products do not.
      beta1t *= beta1;
      beta2t *= beta2;
      const lr = (opt.learningRate * Math.sqrt(1 - beta2t)) / (1 - beta1t);
      params.forEach((p, pi) => {
        const g = grads[pi]!;
        const mp = m[pi]!;
        const vp = v[pi]!;
        for (let i = 0; i < p.length; i++) {
          mp[i] = beta1 * mp[i]! + (1 - beta1) * g[i]!;
          vp[i] = beta2 * vp[i]! + (1 - beta2) * g[i]! * g[i]!;
          p[i] = p[i]! - (lr * mp[i]!) / (Math.sqrt(vp[i]!) + eps);
        }
      });
    }
  }
  return meanSquaredError(net, xs, ys);
}

function accumulateGradient(net: Mlp, x: Float64Array, y: Float64Array, acts: Float64Array[], deltas: Float64Array[], grads: Float64Array[], batch: number): void {
  const out = forward(net, x, acts);
  const last = net.length - 1;
  for (let o = 0; o < out.length; o++) deltas[last]![o] = (2 * (out[o]! - y[o]!)) / (batch * out.length);
  for (let li = last; li >= 0; li--) {
    const l = net[li]!;
    const delta = deltas[li]!;
    const input = li === 0 ? x : acts[li - 1]!;
    const gw = grads[2 * li]!;
    const gb = grads[2 * li + 1]!;
    for (let o = 0; o < l.units; o++) {
      gb[o] = gb[o]! + delta[o]!;
      for (let d = 0; d < l.depth; d++) gw[o * l.depth + d] = gw[o * l.depth + d]! + delta[o]! * input[d]!;
    }
    if (li > 0) {
      const prev = net[li - 1]!;
      const pd = deltas[li - 1]!;
      const pa = acts[li - 1]!;
      for (let d = 0; d < l.depth; d++) {
        let s = 0;
        for (let o = 0; o < l.units; o++) s += l.weights[o * l.depth + d]! * delta[o]!;
        pd[d] = prev.relu && pa[d]! <= 0 ? 0 : s;
      }
    }
  }
}

export function meanSquaredError(net: Mlp, xs: Float64Array[], ys: Float64Array[]): number {
  const acts = net.map((l) => new Float64Array(l.units));
  let sum = 0;
  let n = 0;
  xs.forEach((x, k) => {
    const out = forward(net, x, acts);
    out.forEach((v, o) => {
      sum += (v - ys[k]![o]!) ** 2;
      n++;
    });
  });
  return sum / n;
}
