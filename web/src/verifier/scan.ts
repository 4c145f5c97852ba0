import jsQR from 'jsqr';

/** Photos are scaled down to this many pixels a side: enough for a version-23 QR, and quick. */
const MAX_SIDE = 1600;

function pixels(source: CanvasImageSource, width: number, height: number) {
  const scale = Math.min(1, MAX_SIDE / Math.max(width, height));
  const w = Math.max(1, Math.round(width * scale));
  const h = Math.max(1, Math.round(height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = w;
  canvas.height = h;
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (!context) return undefined;
  context.drawImage(source, 0, 0, w, h);
  return context.getImageData(0, 0, w, h);
}

/** The text of the QR code in an image file; undefined when there is none it can read. */
export async function readQrFromImage(file: Blob): Promise<string | undefined> {
  const bitmap = await createImageBitmap(file);
  try {
    const image = pixels(bitmap, bitmap.width, bitmap.height);
    if (!image) return undefined;
    return jsQR(image.data, image.width, image.height, { inversionAttempts: 'attemptBoth' })?.data;
  } finally {
    bitmap.close();
  }
}

/** The text of a QR code in the video's current frame, if there is one. */
export function readQrFromVideo(video: HTMLVideoElement): string | undefined {
  if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.videoWidth === 0) {
    return undefined;
  }
  const image = pixels(video, video.videoWidth, video.videoHeight);
  if (!image) return undefined;
  return jsQR(image.data, image.width, image.height, { inversionAttempts: 'dontInvert' })?.data;
}

/** The back camera when there is one; the caller stops the stream's tracks when done. */
export function openCamera(): Promise<MediaStream> {
  return navigator.mediaDevices.getUserMedia({
    video: { facingMode: { ideal: 'environment' } },
    audio: false,
  });
}
