// SPDX-License-Identifier: MIT
#pragma once
// Images from users (PNG, JPEG) turned into the 28×28 samples that MNIST / Fashion-MNIST models
// expect, so that `mlp predict MODEL digit.png` can classify a photo or a drawing.
//
// Decoding. The format comes from the first bytes (PNG: 89 50 4E 47 0D 0A 1A 0A; JPEG: FF D8 FF),
// never from the file name; libpng and libjpeg-turbo do the decoding. Every PNG color type and bit
// depth and every JPEG color space (gray, YCbCr, RGB, CMYK/YCCK) becomes 8-bit gray:
//   gray = round(0.299·R + 0.587·G + 0.114·B)        ITU-R BT.601 luma, as PIL's convert("L")
// on the stored, gamma-encoded values (gAMA/iCCP/cHRM are ignored, as PIL and Keras' load_img ignore
// them). 16-bit samples become round(v·255/65535). Alpha (and PNG tRNS) is composited on white,
//   gray' = gray·α + 255·(1 − α),
// because a drawing exported with a transparent background is dark strokes meant for a white page
// (dropping α, as PIL does, would turn its transparent black pixels into a black image). JPEG's
// gray is its Y plane; CMYK/YCCK is converted as R = (1−C)(1−K), Adobe's inverted storage honoured.
// The EXIF orientation of a JPEG (how phones store portrait photos) is applied.
// Limits, checked from the header before any pixel memory is allocated: width and height ≤ 10000,
// width·height ≤ 64·2^20 pixels, files ≤ 256 MiB, progressive JPEGs ≤ 100 scans. Corrupt or
// truncated data, including what libjpeg only warns about (premature end, bad Huffman codes), is an
// error; libpng's and libjpeg's own error paths are caught, so nothing prints or exits.
//
// Resampling is area averaging everywhere (a box filter over each destination pixel's footprint
// with fractional coverage): destination pixel (X, Y) of a W'×H' image made from W×H is the mean of
// the source over the rectangle [X·W/W', (X+1)·W/W') × [Y·H/H', (Y+1)·H/H'), each source pixel
// weighted by the area it shares with that rectangle. It is exact for integer factors (a 2×
// nearest-neighbour upscale resized back gives the original) and anti-aliases any reduction.
//
// Sources: src/io/image.cpp (decoding, read_image, write_png), src/io/image_sample.cpp
// (to_dataset_sample and its resampling).
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mlp {

/// An 8-bit grayscale image, row-major, 0 = black, 255 = white; pixels.size() == width·height.
struct GrayImage {
  std::size_t width = 0, height = 0;
  std::vector<std::uint8_t> pixels;
};

/// Decodes a PNG or JPEG file to 8-bit gray as described at the top of this header. Throws
/// mlp::Error naming the path and the reason (missing, empty, not a PNG/JPEG — naming GIF, BMP,
/// WebP, TIFF or HEIC when it is one —, corrupt, truncated, too large).
GrayImage read_image(const std::string& path);

/// read_image on bytes already in memory; `source` names them in errors.
GrayImage decode_image(std::span<const std::uint8_t> bytes, const std::string& source);

/// Writes `image` as an 8-bit grayscale PNG, atomically (write_file_atomic: a crash leaves the old
/// file or the new one). Throws mlp::Error naming the path when the image is inconsistent (empty,
/// pixels.size() ≠ width·height) or the file cannot be written.
void write_png(const std::string& path, const GrayImage& image);

/// How to_dataset_sample turns a picture into a sample.
enum class ImageStyle {
  /// MNIST, as LeCun et al. made it from NIST's bilevel scans: ink white on black, the ink's box
  /// scaled to 20×20 with anti-aliasing, centered by its center of mass in 28×28.
  kMnistDigit,
  /// Fashion-MNIST, as Zalando made it: trimmed, longest edge 28, centered, negated.
  kFashionItem,
  /// The whole image resized to side×side, nothing else (no inversion, aspect ratio not kept).
  kResize,
};

/// Turns a photo, scan or drawing into a side×side sample the way the data set was made
/// (side = 28 for MNIST and Fashion-MNIST; the MNIST box is round(side·20/28)).
///
/// kMnistDigit (LeCun et al. 1998, "size normalized to fit in a 20x20 pixel box while preserving
/// their aspect ratio ... centered ... by computing the center of mass of the pixels"):
///  1. ink up: the background is the border pixels' median; it is light (dark ink, inverted so
///     the ink is bright) when it lies nearer the lightest 0.1% of the pixels than the darkest 0.1%.
///     Uneven light and shadows are removed by subtracting, under each pixel, the minimum of the
///     ink image over the 3×3 cells around its cell (cells of ⌈max(w, h)/8⌉ px, wider than strokes).
///  2. binarize: Otsu's threshold (the one that maximizes the between-class variance) on that
///     image; ink pixels become 255, the rest 0. This bilevel image is what NIST's scans were, and
///     it drops paper texture and noise.
///  3. drop specks: 8-connected ink components smaller than 2% of the largest one (dust, noise).
///  4. crop to the bounding box of the remaining ink; scale it with area averaging so the longer
///     side is 20 px, keeping the aspect ratio (this anti-aliasing makes MNIST's gray levels).
///  5. paste into side×side, shifted by whole pixels so that the center of mass of the pixel values
///     lands on pixel (side/2, side/2) = (14, 14), within half a pixel, as in the MNIST files
///     (pixel (x, y) counted at coordinates (x, y)); the shift is clamped so that no ink is cut off.
///  Throws mlp::Error when there is no ink: the two Otsu classes differ by less than 32 gray levels.
///
/// kFashionItem (Xiao, Rasul & Vollgraf 2017, the Fashion-MNIST conversion pipeline):
///  1. trim every edge row/column whose pixels are all within 5% of the maximum intensity (12.75)
///     of the background, taken as the median of the border pixels (for ImageMagick's corner pixel);
///  2. resize so the longest edge is `side` with area averaging (Zalando subsampled, skipping rows
///     and columns, then sharpened; on a photo subsampling aliases, so averaging replaces both);
///  3. extend the shortest edge to `side` with the background, the item centered;
///  4. negate relative to the background so the item is light on black: with a light background b,
///     v' = (b − v)·255/b (= 255 − v on white, Zalando's negation); on a dark background (b < 128,
///     already light on dark) v' = (v − b)·255/(255 − b); clamped to 0..255.
///  Throws mlp::Error when nothing differs from the background by more than 5%.
///
/// kResize: area averaging of the whole image to side×side.
///
/// Throws mlp::Error when the image is empty or inconsistent or side is 0 or above 1024.
GrayImage to_dataset_sample(const GrayImage& image, ImageStyle style, std::size_t side = 28);

}  // namespace mlp
