import { renderSVG } from "uqr";

/**
 * The QR code of an `otpauth://` URI as SVG markup, made here (no image service sees the secret). The
 * markup is paths and fills only — no style attribute or script — so the page's strict CSP holds.
 */
export function qrCodeSvg(text: string): string {
  return renderSVG(text, { border: 2, ecc: "M" });
}
