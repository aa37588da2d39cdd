// Photos from the phone's camera, made small in the browser before they travel: a 12-megapixel photo of
// 4 MB becomes a JPEG of about 300 KB at 1,600 px, and the canvas keeps no EXIF (no GPS) on the way.
// The server still checks and re-encodes every photo; this only spares slow links and data plans.

export const MAX_PHOTOS = 3;
const MAX_SIDE = 1600;
const QUALITY = 0.82;
const PREVIEW_SIDE = 160;

function readAsDataUrl(file) {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result);
    reader.onerror = () => reject(reader.error);
    reader.readAsDataURL(file);
  });
}

async function decode(file) {
  if (typeof createImageBitmap === "function") {
    try {
      return await createImageBitmap(file, { imageOrientation: "from-image" }); // turned upright as shot
    } catch (error) { /* older browsers: through an <img> below */ }
  }
  const image = new Image();
  image.src = await readAsDataUrl(file); // a data: URL: the pages' CSP allows data: images, not blob:
  await image.decode();
  return image;
}

function draw(source, side) {
  const width = source.naturalWidth || source.width;
  const height = source.naturalHeight || source.height;
  const scale = Math.min(1, side / Math.max(width, height));
  const canvas = document.createElement("canvas");
  canvas.width = Math.max(1, Math.round(width * scale));
  canvas.height = Math.max(1, Math.round(height * scale));
  canvas.getContext("2d").drawImage(source, 0, 0, canvas.width, canvas.height);
  return canvas;
}

/** The photo as a JPEG at most 1,600 px on its longest side, with a small preview (a data: URL). */
export async function shrinkPhoto(file) {
  const source = await decode(file);
  const canvas = draw(source, MAX_SIDE);
  const blob = await new Promise((resolve, reject) =>
    canvas.toBlob((b) => (b ? resolve(b) : reject(new Error("encode failed"))), "image/jpeg", QUALITY));
  const preview = draw(canvas, PREVIEW_SIDE).toDataURL("image/jpeg", 0.7);
  if (source.close) source.close();
  return { blob, preview };
}
