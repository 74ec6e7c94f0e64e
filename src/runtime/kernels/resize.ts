// Spatial resizing of the last two dimensions (coremltools defs/iOS15/image_resizing.py,
// iOS16 upsample_bilinear with half_pixel_centers).

import type { MilDataType } from "../../mil/program.js";
import { RuntimeError } from "../../errors.js";
import { numericView, shapeToString, type RuntimeTensor } from "../tensor.js";
import { allocNumeric, defineKernel, product, requireDtype, storeChunk, type Kernel, type KernelArgs } from "./common.js";

const FLOATS: readonly MilDataType[] = ["fp16", "fp32"];

function spatialX(args: KernelArgs): RuntimeTensor {
  const x = args.tensor("x");
  requireDtype(x, "x", FLOATS);
  if (x.shape.length < 3) throw new RuntimeError(`x must have rank >= 3, got ${shapeToString(x.shape)}`);
  return x;
}

/** Source coordinate of each output index: (i) => coordinate, clamped to [0, in - 1]. */
type Grid = (i: number) => number;

function clampGrid(g: Grid, inSize: number): Grid {
  return (i) => Math.min(inSize - 1, Math.max(0, g(i)));
}

function bilinear(x: RuntimeTensor, outH: number, outW: number, gy: Grid, gx: Grid): RuntimeTensor {
  const r = x.shape.length;
  const H = x.shape[r - 2], W = x.shape[r - 1];
  if (outH <= 0 || outW <= 0) throw new RuntimeError(`output size ${outH}x${outW} must be positive`);
  const planes = product(x.shape, 0, r - 2);
  const X = numericView(x);
  const ys = Array.from({ length: outH }, (_, i) => gy(i));
  const xs = Array.from({ length: outW }, (_, i) => gx(i));
  const { data, half } = allocNumeric(x.dataType, planes * outH * outW);
  const res = new Float64Array(outH * outW);
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let i = 0; i < outH; i++) {
      const y = ys[i];
      const y0 = Math.floor(y), y1 = Math.min(y0 + 1, H - 1), fy = y - y0;
      for (let j = 0; j < outW; j++) {
        const xv = xs[j];
        const x0 = Math.floor(xv), x1 = Math.min(x0 + 1, W - 1), fx = xv - x0;
        const top = X[base + y0 * W + x0] * (1 - fx) + (fx > 0 ? X[base + y0 * W + x1] * fx : 0);
        const bot = fy > 0 ? X[base + y1 * W + x0] * (1 - fx) + (fx > 0 ? X[base + y1 * W + x1] * fx : 0) : 0;
        res[i * outW + j] = fy > 0 ? top * (1 - fy) + bot * fy : top;
      }
    }
    storeChunk(data, half, p * outH * outW, res, res.length);
  }
  return { dataType: x.dataType, shape: [...x.shape.slice(0, r - 2), outH, outW], data };
}

function nearest(x: RuntimeTensor, outH: number, outW: number, sy: (i: number) => number, sx: (i: number) => number): RuntimeTensor {
  const r = x.shape.length;
  const H = x.shape[r - 2], W = x.shape[r - 1];
  if (outH <= 0 || outW <= 0) throw new RuntimeError(`output size ${outH}x${outW} must be positive`);
  const planes = product(x.shape, 0, r - 2);
  const rows = Array.from({ length: outH }, (_, i) => Math.min(H - 1, Math.max(0, sy(i))));
  const cols = Array.from({ length: outW }, (_, j) => Math.min(W - 1, Math.max(0, sx(j))));
  const src = x.data as Uint16Array | Float32Array;
  const { data } = allocNumeric(x.dataType, planes * outH * outW);
  let o = 0;
  for (let p = 0; p < planes; p++) {
    const base = p * H * W;
    for (let i = 0; i < outH; i++) {
      const row = base + rows[i] * W;
      for (let j = 0; j < outW; j++) data[o++] = src[row + cols[j]];
    }
  }
  return { dataType: x.dataType, shape: [...x.shape.slice(0, r - 2), outH, outW], data };
}

/**
 * upsample_bilinear(scale_factor_height=1, scale_factor_width=1, align_corners=true,
 * half_pixel_centers=!align_corners): output floor(in * scale). align_corners: source
 * i*(in-1)/(out-1); half_pixel_centers: (i+0.5)*in/out - 0.5; neither: i*in/out.
 */
export const upsampleBilinear = defineKernel(
  ["x", "scale_factor_height", "scale_factor_width", "align_corners", "half_pixel_centers"],
  (args) => {
    const x = spatialX(args);
    const r = x.shape.length;
    const H = x.shape[r - 2], W = x.shape[r - 1];
    const sh = args.float("scale_factor_height", 1);
    const sw = args.float("scale_factor_width", 1);
    const alignCorners = args.bool("align_corners", true);
    const halfPixel = args.bool("half_pixel_centers", !alignCorners);
    const outH = Math.floor(H * sh), outW = Math.floor(W * sw);
    const grid = (inS: number, outS: number): Grid => {
      if (alignCorners) return clampGrid((i) => (outS > 1 ? (i * (inS - 1)) / (outS - 1) : 0), inS);
      if (halfPixel) return clampGrid((i) => ((i + 0.5) * inS) / outS - 0.5, inS);
      return clampGrid((i) => (i * inS) / outS, inS);
    };
    return [bilinear(x, outH, outW, grid(H, outH), grid(W, outW))];
  },
);

/**
 * resize_bilinear(target_size_height=1, target_size_width=1, sampling_mode="DEFAULT"):
 * STRICT_ALIGN_CORNERS i*(in-1)/(out-1) (0 when out=1); ALIGN_CORNERS the same but (in-1)/2
 * when out=1; DEFAULT i*in/out; OFFSET_CORNERS d/2 + i*d with d = max(1, in-1)/out;
 * UNALIGN_CORNERS (i+0.5)*in/out - 0.5. All clamped to [0, in-1].
 */
export const resizeBilinear = defineKernel(["x", "target_size_height", "target_size_width", "sampling_mode"], (args) => {
  const x = spatialX(args);
  const r = x.shape.length;
  const H = x.shape[r - 2], W = x.shape[r - 1];
  const outH = args.int("target_size_height", 1);
  const outW = args.int("target_size_width", 1);
  const mode = args.string("sampling_mode", "DEFAULT");
  const grid = (inS: number, outS: number): Grid => {
    switch (mode) {
      case "STRICT_ALIGN_CORNERS": return clampGrid((i) => (outS > 1 ? (i * (inS - 1)) / (outS - 1) : 0), inS);
      case "ALIGN_CORNERS": return clampGrid((i) => (outS > 1 ? (i * (inS - 1)) / (outS - 1) : (inS - 1) / 2), inS);
      case "DEFAULT": return clampGrid((i) => (i * inS) / outS, inS);
      case "OFFSET_CORNERS": {
        const d = Math.max(1, inS - 1) / outS;
        return clampGrid((i) => 0.5 * d + i * d, inS);
      }
      case "UNALIGN_CORNERS": return clampGrid((i) => ((i + 0.5) * inS) / outS - 0.5, inS);
      default: throw new RuntimeError(`resize_bilinear: unknown sampling_mode "${mode}"`);
    }
  };
  return [bilinear(x, outH, outW, grid(H, outH), grid(W, outW))];
});

/** upsample_nearest_neighbor(scale_factor_height=1, scale_factor_width=1): out floor(in*scale), source floor(i / scale). */
export const upsampleNearest = defineKernel(["x", "scale_factor_height", "scale_factor_width"], (args) => {
  const x = spatialX(args);
  const r = x.shape.length;
  const sh = args.float("scale_factor_height", 1);
  const sw = args.float("scale_factor_width", 1);
  const outH = Math.floor(x.shape[r - 2] * sh), outW = Math.floor(x.shape[r - 1] * sw);
  return [nearest(x, outH, outW, (i) => Math.floor(i / sh), (j) => Math.floor(j / sw))];
});

/** resize_nearest_neighbor(target_size_height, target_size_width): source floor(i * in / out). */
export const resizeNearest = defineKernel(["x", "target_size_height", "target_size_width"], (args) => {
  const x = spatialX(args);
  const r = x.shape.length;
  const H = x.shape[r - 2], W = x.shape[r - 1];
  const outH = args.int("target_size_height");
  const outW = args.int("target_size_width");
  return [nearest(x, outH, outW, (i) => Math.floor((i * H) / outH), (j) => Math.floor((j * W) / outW))];
});

export const resizeKernels: Record<string, Kernel> = {
  upsample_bilinear: upsampleBilinear,
  resize_bilinear: resizeBilinear,
  upsample_nearest_neighbor: upsampleNearest,
  resize_nearest_neighbor: resizeNearest,
};
