// Canvas drawing of the cart and of the reward curve (plain 2D canvas, no chart library).
import type { CartFrame } from "./protocol";

/** Gymnasium's CartPole geometry: the track spans x in [-2.4, 2.4], the pole is 1 m long (half length 0.5). */
const X_LIMIT = 2.4;

export function drawCart(canvas: HTMLCanvasElement, { x, theta }: CartFrame): void {
  const g = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const scale = width / (2 * X_LIMIT * 1.1);
  const trackY = height * 0.75;
  g.clearRect(0, 0, width, height);
  g.strokeStyle = "#9aa3b2";
  g.lineWidth = 2;
  g.beginPath();
  g.moveTo(width / 2 - X_LIMIT * scale, trackY);
  g.lineTo(width / 2 + X_LIMIT * scale, trackY);
  g.stroke();
  const cx = width / 2 + x * scale;
  const cartW = 50;
  const cartH = 28;
  g.fillStyle = "#1d2330";
  g.fillRect(cx - cartW / 2, trackY - cartH / 2, cartW, cartH);
  const poleLen = 1.0 * scale;
  g.strokeStyle = "#c8873a";
  g.lineWidth = 8;
  g.lineCap = "round";
  g.beginPath();
  g.moveTo(cx, trackY - cartH / 2);
  g.lineTo(cx + poleLen * Math.sin(theta), trackY - cartH / 2 - poleLen * Math.cos(theta));
  g.stroke();
  g.fillStyle = "#6b7a99";
  g.beginPath();
  g.arc(cx, trackY - cartH / 2, 5, 0, 2 * Math.PI);
  g.fill();
}

/** One point of the curve: a training episode's return, or a greedy evaluation's mean. */
export interface CurvePoint {
  frames: number;
  train?: number;
  eval?: number;
}

export function drawCurve(canvas: HTMLCanvasElement, points: readonly CurvePoint[], solvedAt: number): void {
  const g = canvas.getContext("2d")!;
  const { width, height } = canvas;
  const pad = { left: 44, right: 12, top: 14, bottom: 28 };
  g.clearRect(0, 0, width, height);
  const maxFrames = Math.max(10_000, ...points.map((p) => p.frames));
  const maxReturn = 500;
  const px = (f: number) => pad.left + (f / maxFrames) * (width - pad.left - pad.right);
  const py = (r: number) => height - pad.bottom - (r / maxReturn) * (height - pad.top - pad.bottom);
  g.strokeStyle = "#d5d9e0";
  g.fillStyle = "#556";
  g.lineWidth = 1;
  g.font = "11px system-ui, sans-serif";
  for (const r of [0, 100, 200, 300, 400, 500]) {
    g.beginPath();
    g.moveTo(pad.left, py(r));
    g.lineTo(width - pad.right, py(r));
    g.stroke();
    g.fillText(String(r), 8, py(r) + 4);
  }
  g.fillText(`frames (0 to ${maxFrames})`, width / 2 - 50, height - 8);
  g.setLineDash([4, 4]);
  g.strokeStyle = "#3a9a5b";
  g.beginPath();
  g.moveTo(pad.left, py(solvedAt));
  g.lineTo(width - pad.right, py(solvedAt));
  g.stroke();
  g.setLineDash([]);
  g.fillStyle = "rgba(58, 110, 200, 0.45)";
  for (const p of points) if (p.train !== undefined) g.fillRect(px(p.frames) - 1, py(p.train) - 1, 3, 3);
  const evals = points.filter((p) => p.eval !== undefined);
  g.strokeStyle = "#d0562b";
  g.lineWidth = 2;
  g.beginPath();
  evals.forEach((p, i) => (i === 0 ? g.moveTo(px(p.frames), py(p.eval!)) : g.lineTo(px(p.frames), py(p.eval!))));
  g.stroke();
  g.fillStyle = "#d0562b";
  for (const p of evals) {
    g.beginPath();
    g.arc(px(p.frames), py(p.eval!), 3, 0, 2 * Math.PI);
    g.fill();
  }
  g.fillStyle = "#1d2330";
  g.fillText(
    "dots: training episode returns; line: greedy evaluation mean; dashed: solved (475)",
    pad.left + 4,
    pad.top,
  );
}
