// SPDX-License-Identifier: MIT
#include "mlp/io/image.hpp"

// clang-format off
#include <cstdio>   // jpeglib.h needs FILE and size_t declared first
#include <jpeglib.h>
#include <jerror.h>
// clang-format on
#include <png.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cmath>
#include <csetjmp>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string_view>

#include "mlp/error.hpp"
#include "mlp/io/files.hpp"

namespace mlp {
namespace {

constexpr std::size_t kMaxSide = 10000;
constexpr std::size_t kMaxPixels = std::size_t{64} << 20;
constexpr std::uintmax_t kMaxFileBytes = std::uintmax_t{256} << 20;
constexpr int kMaxJpegScans = 100;               // real progressive files have about 10
constexpr long kMaxJpegMemory = 1024L << 20;     // libjpeg's working memory (coefficient buffers)
constexpr std::size_t kMaxSampleSide = 1024;
constexpr double kMinInkContrast = 32;           // gray levels between Otsu's two class means
constexpr std::array<std::uint8_t, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

bool too_large(std::size_t width, std::size_t height) {
  return width > kMaxSide || height > kMaxSide || width * height > kMaxPixels;
}

[[noreturn]] void throw_too_large(const std::string& source, const char* format, std::size_t w, std::size_t h) {
  throw Error(source + ": the " + format + " image is " + std::to_string(w) + "x" + std::to_string(h) +
              " pixels; images above " + std::to_string(kMaxSide) + " pixels per side or 64 Mpixel are refused "
              "(scale it down first)");
}

// BT.601 luma of (r, g, b) composited with alpha a on white, rounded: (Y·a + 255·(255 − a)) / 255.
std::uint8_t luma_on_white(unsigned r, unsigned g, unsigned b, unsigned a) {
  const unsigned y1000 = 299 * r + 587 * g + 114 * b;  // 1000·Y
  return static_cast<std::uint8_t>((y1000 * a + 255000u * (255 - a) + 127500u) / 255000u);
}

// ---- PNG (libpng) --------------------------------------------------------------------------------
// Everything the setjmp frame touches lives here, outside that frame, so that libpng's longjmp
// skips no destructor and leaves no local indeterminate.
struct PngJob {
  std::span<const std::uint8_t> bytes;
  std::size_t pos = 0;
  png_structp png = nullptr;
  png_infop info = nullptr;
  char message[256] = {};
  std::size_t width = 0, height = 0;
  bool too_large = false;
  std::vector<std::uint8_t> rgba;
  std::vector<png_bytep> rows;
};

void png_on_error(png_structp png, png_const_charp message) {
  auto* job = static_cast<PngJob*>(png_get_error_ptr(png));
  std::snprintf(job->message, sizeof job->message, "%s", message);
  png_longjmp(png, 1);
}
void png_on_warning(png_structp, png_const_charp) {}  // e.g. a bad ancillary CRC: the chunk is dropped
void png_read_bytes(png_structp png, png_bytep out, png_size_t n) {
  auto* job = static_cast<PngJob*>(png_get_io_ptr(png));
  if (n > job->bytes.size() - job->pos) png_error(png, "the file ends early (truncated)");
  std::memcpy(out, job->bytes.data() + job->pos, n);
  job->pos += n;
}

// The only frame that calls setjmp for libpng. Returns false (job.message set) on a libpng error.
bool run_png(PngJob& job) {
  if (setjmp(png_jmpbuf(job.png))) return false;
  // Every ancillary chunk but tRNS is skipped: colour management is ignored (header comment), and
  // text/ICC chunks are only memory a fuzzed file could make us spend.
  png_set_keep_unknown_chunks(job.png, PNG_HANDLE_CHUNK_NEVER, nullptr, -1);
  png_read_info(job.png, job.info);
  job.width = png_get_image_width(job.png, job.info);
  job.height = png_get_image_height(job.png, job.info);
  if (too_large(job.width, job.height)) {
    job.too_large = true;
    return true;
  }
  png_set_expand(job.png);                              // palette -> RGB, gray < 8 bit -> 8, tRNS -> alpha
  png_set_scale_16(job.png);                            // 16 -> 8 bit, rounded
  png_set_gray_to_rgb(job.png);
  png_set_add_alpha(job.png, 0xff, PNG_FILLER_AFTER);   // only where there is no alpha yet
  png_set_interlace_handling(job.png);
  png_read_update_info(job.png, job.info);
  if (png_get_rowbytes(job.png, job.info) != 4 * job.width) png_error(job.png, "unexpected row layout");
  job.rgba.resize(4 * job.width * job.height);
  job.rows.resize(job.height);
  for (std::size_t y = 0; y < job.height; ++y) job.rows[y] = job.rgba.data() + 4 * job.width * y;
  png_read_image(job.png, job.rows.data());
  png_read_end(job.png, nullptr);                       // checks the rest of the file up to IEND
  return true;
}

GrayImage decode_png(std::span<const std::uint8_t> bytes, const std::string& source) {
  PngJob job;
  job.bytes = bytes;
  job.png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &job, png_on_error, png_on_warning);
  if (job.png == nullptr) throw Error(source + ": cannot initialise libpng");
  struct Cleanup {
    PngJob& job;
    ~Cleanup() { png_destroy_read_struct(&job.png, &job.info, nullptr); }
  } cleanup{job};
  job.info = png_create_info_struct(job.png);
  if (job.info == nullptr) throw Error(source + ": cannot initialise libpng (out of memory)");
  png_set_read_fn(job.png, &job, png_read_bytes);
  if (!run_png(job)) throw Error(source + ": corrupt PNG file (libpng: " + job.message + ")");
  if (job.too_large) throw_too_large(source, "PNG", job.width, job.height);
  GrayImage image{job.width, job.height, std::vector<std::uint8_t>(job.width * job.height)};
  for (std::size_t i = 0; i < image.pixels.size(); ++i) {
    const std::uint8_t* p = &job.rgba[4 * i];
    image.pixels[i] = luma_on_white(p[0], p[1], p[2], p[3]);
  }
  return image;
}

// ---- JPEG (libjpeg-turbo) ----------------------------------------------------------------------
// EXIF orientation (tag 0x0112 of IFD0 in an APP1 "Exif\0\0" block); 1 when absent or malformed.
int exif_orientation(const std::uint8_t* data, std::size_t size) {
  if (size < 6 + 8 || std::memcmp(data, "Exif\0\0", 6) != 0) return 1;
  const std::uint8_t* t = data + 6;  // the TIFF header
  const std::size_t n = size - 6;
  const bool little = t[0] == 'I' && t[1] == 'I';
  if (!little && !(t[0] == 'M' && t[1] == 'M')) return 1;
  auto u16 = [&](std::size_t o) -> unsigned { return little ? t[o] | t[o + 1] << 8 : t[o] << 8 | t[o + 1]; };
  auto u32 = [&](std::size_t o) -> std::size_t {
    return little ? u16(o) | std::size_t{u16(o + 2)} << 16 : std::size_t{u16(o)} << 16 | u16(o + 2);
  };
  if (u16(2) != 42) return 1;
  const std::size_t ifd = u32(4);
  if (ifd > n || n - ifd < 2) return 1;
  for (std::size_t k = 0, count = u16(ifd); k < count; ++k) {
    const std::size_t e = ifd + 2 + 12 * k;
    if (e + 12 > n) break;
    if (u16(e) == 0x0112 && u16(e + 2) == 3) {  // SHORT
      const unsigned v = u16(e + 8);
      return v >= 1 && v <= 8 ? static_cast<int>(v) : 1;
    }
  }
  return 1;
}

// Same discipline as PngJob: the setjmp frame (run_jpeg) owns nothing.
struct JpegJob {
  std::span<const std::uint8_t> bytes;
  jpeg_decompress_struct cinfo{};
  jpeg_error_mgr errors{};
  jpeg_progress_mgr progress{};
  std::jmp_buf jump{};
  char message[JMSG_LENGTH_MAX] = {};
  bool too_large = false;
  int orientation = 1;
  std::vector<std::uint8_t> samples;  // gray, or CMYK for CMYK/YCCK files
};

[[noreturn]] void jpeg_on_error(j_common_ptr cinfo) {
  auto* job = static_cast<JpegJob*>(cinfo->client_data);
  (*cinfo->err->format_message)(cinfo, job->message);
  std::longjmp(job->jump, 1);
}
// libjpeg only warns about corrupt or truncated data and decodes gray filler; that is an error here.
// Warnings that do not touch the pixels are ignored; trace messages are never printed.
void jpeg_on_message(j_common_ptr cinfo, int level) {
  if (level >= 0) return;
  switch (cinfo->err->msg_code) {
    case JWRN_EXTRANEOUS_DATA: case JWRN_JFIF_MAJOR: case JWRN_BOGUS_ICC: case JWRN_ADOBE_XFORM: return;
    default: jpeg_on_error(cinfo);
  }
}
void jpeg_on_output(j_common_ptr) {}
void jpeg_on_progress(j_common_ptr cinfo) {
  if (reinterpret_cast<j_decompress_ptr>(cinfo)->input_scan_number <= kMaxJpegScans) return;
  auto* job = static_cast<JpegJob*>(cinfo->client_data);
  std::snprintf(job->message, sizeof job->message, "more than %d progressive scans", kMaxJpegScans);
  std::longjmp(job->jump, 1);
}

bool run_jpeg(JpegJob& job) {
  if (setjmp(job.jump)) return false;
  jpeg_create_decompress(&job.cinfo);  // keeps err and client_data, zeroes the rest
  job.cinfo.mem->max_memory_to_use = kMaxJpegMemory;
  job.progress.progress_monitor = jpeg_on_progress;
  job.cinfo.progress = &job.progress;
  jpeg_mem_src(&job.cinfo, job.bytes.data(), static_cast<unsigned long>(job.bytes.size()));
  jpeg_save_markers(&job.cinfo, JPEG_APP0 + 1, 0xffff);
  jpeg_read_header(&job.cinfo, TRUE);
  for (jpeg_saved_marker_ptr m = job.cinfo.marker_list; m != nullptr; m = m->next) {
    if (m->marker == JPEG_APP0 + 1 && job.orientation == 1) job.orientation = exif_orientation(m->data, m->data_length);
  }
  if (too_large(job.cinfo.image_width, job.cinfo.image_height)) {
    job.too_large = true;
    return true;
  }
  const bool cmyk = job.cinfo.jpeg_color_space == JCS_CMYK || job.cinfo.jpeg_color_space == JCS_YCCK;
  job.cinfo.out_color_space = cmyk ? JCS_CMYK : JCS_GRAYSCALE;  // YCbCr -> its Y plane
  jpeg_start_decompress(&job.cinfo);
  const std::size_t stride = std::size_t{job.cinfo.output_width} * job.cinfo.output_components;
  job.samples.resize(stride * job.cinfo.output_height);
  while (job.cinfo.output_scanline < job.cinfo.output_height) {
    JSAMPROW row = job.samples.data() + stride * job.cinfo.output_scanline;
    jpeg_read_scanlines(&job.cinfo, &row, 1);
  }
  jpeg_finish_decompress(&job.cinfo);  // reads to EOI: a file cut after the last row is truncated too
  return true;
}

GrayImage apply_orientation(GrayImage in, int orientation) {
  if (orientation < 2 || orientation > 8) return in;
  const std::size_t w = in.width, h = in.height;
  GrayImage out{orientation >= 5 ? h : w, orientation >= 5 ? w : h, std::vector<std::uint8_t>(w * h)};
  for (std::size_t y = 0; y < out.height; ++y) {
    for (std::size_t x = 0; x < out.width; ++x) {
      std::size_t sx = x, sy = y;  // the stored pixel shown at (x, y)
      switch (orientation) {
        case 2: sx = w - 1 - x; break;                      // mirrored
        case 3: sx = w - 1 - x; sy = h - 1 - y; break;      // 180°
        case 4: sy = h - 1 - y; break;                      // flipped
        case 5: sx = y; sy = x; break;                      // transposed
        case 6: sx = y; sy = h - 1 - x; break;              // shown rotated 90° clockwise
        case 7: sx = w - 1 - y; sy = h - 1 - x; break;      // transversed
        default: sx = w - 1 - y; sy = x; break;             // 8: shown rotated 90° counter-clockwise
      }
      out.pixels[y * out.width + x] = in.pixels[sy * w + sx];
    }
  }
  return out;
}

GrayImage decode_jpeg(std::span<const std::uint8_t> bytes, const std::string& source) {
  auto job = std::make_unique<JpegJob>();
  job->bytes = bytes;
  job->cinfo.err = jpeg_std_error(&job->errors);
  job->errors.error_exit = jpeg_on_error;
  job->errors.emit_message = jpeg_on_message;
  job->errors.output_message = jpeg_on_output;
  job->cinfo.client_data = job.get();
  struct Cleanup {
    JpegJob& job;
    ~Cleanup() { jpeg_destroy_decompress(&job.cinfo); }
  } cleanup{*job};
  if (!run_jpeg(*job)) throw Error(source + ": corrupt JPEG file (libjpeg: " + job->message + ")");
  const jpeg_decompress_struct& c = job->cinfo;
  if (job->too_large) throw_too_large(source, "JPEG", c.image_width, c.image_height);
  GrayImage image{c.output_width, c.output_height, {}};
  if (c.out_color_space == JCS_GRAYSCALE) {
    image.pixels = std::move(job->samples);
  } else {  // CMYK: Adobe (Photoshop) stores it inverted, 255 = no ink
    image.pixels.resize(image.width * image.height);
    const bool inverted = c.saw_Adobe_marker;
    for (std::size_t i = 0; i < image.pixels.size(); ++i) {
      unsigned v[4];
      for (int k = 0; k < 4; ++k) v[k] = inverted ? job->samples[4 * i + k] : 255u - job->samples[4 * i + k];
      const auto rgb = [&](int k) { return (v[k] * v[3] + 127) / 255; };
      image.pixels[i] = luma_on_white(rgb(0), rgb(1), rgb(2), 255);
    }
  }
  return apply_orientation(std::move(image), job->orientation);
}

// What a file that is neither PNG nor JPEG is, when we can tell.
std::string format_hint(std::span<const std::uint8_t> b) {
  auto at = [&](std::size_t offset, std::string_view magic) {
    return b.size() >= offset + magic.size() && std::memcmp(b.data() + offset, magic.data(), magic.size()) == 0;
  };
  const char* name = at(0, "GIF8")                                   ? "a GIF"
                     : at(0, "BM")                                   ? "a BMP"
                     : at(0, "RIFF") && at(8, "WEBP")                ? "a WebP"
                     : at(0, "II*") || at(0, std::string_view("MM\0*", 4)) ? "a TIFF"
                     : at(4, "ftyp")                                 ? "an HEIC/AVIF/MP4"
                                                                     : nullptr;
  if (name) return std::string(" (it is ") + name + " file; convert it to PNG or JPEG)";
  std::string hex;
  for (std::size_t i = 0; i < std::min<std::size_t>(b.size(), 8); ++i) {
    char byte[4];
    std::snprintf(byte, sizeof byte, " %02x", b[i]);
    hex += byte;
  }
  return " (it starts with" + hex + ")";
}

// ---- resampling and preprocessing ------------------------------------------------------------------
// One axis of area averaging, n source cells to m: destination cell i covers [i·n, (i+1)·n) in units
// of 1/m source cell, source cell j covers [j·m, (j+1)·m); the weights are the overlaps / n, so they
// are exact and sum to 1.
struct Taps {
  std::vector<std::size_t> start{0}, index;
  std::vector<double> weight;
};
Taps area_taps(std::size_t n, std::size_t m) {
  Taps taps;
  for (std::size_t i = 0; i < m; ++i) {
    const std::size_t lo = i * n, hi = lo + n;
    for (std::size_t j = lo / m; j * m < hi; ++j) {
      taps.index.push_back(j);
      const std::size_t overlap = std::min(hi, (j + 1) * m) - std::max(lo, j * m);
      taps.weight.push_back(static_cast<double>(overlap) / static_cast<double>(n));
    }
    taps.start.push_back(taps.index.size());
  }
  return taps;
}

// The w×h window at src (rows `stride` apart) resized to nw×nh by area averaging; rows first.
std::vector<float> resize_area(const std::uint8_t* src, std::size_t stride, std::size_t w, std::size_t h,
                               std::size_t nw, std::size_t nh) {
  const Taps tx = area_taps(w, nw), ty = area_taps(h, nh);
  std::vector<float> rows(h * nw);
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < nw; ++x) {
      double sum = 0;
      for (std::size_t k = tx.start[x]; k < tx.start[x + 1]; ++k) sum += tx.weight[k] * src[y * stride + tx.index[k]];
      rows[y * nw + x] = static_cast<float>(sum);
    }
  }
  std::vector<float> out(nh * nw);
  for (std::size_t y = 0; y < nh; ++y) {
    for (std::size_t x = 0; x < nw; ++x) {
      double sum = 0;
      for (std::size_t k = ty.start[y]; k < ty.start[y + 1]; ++k) sum += ty.weight[k] * rows[ty.index[k] * nw + x];
      out[y * nw + x] = static_cast<float>(sum);
    }
  }
  return out;
}

std::uint8_t to_byte(double v) { return static_cast<std::uint8_t>(std::lround(std::clamp(v, 0.0, 255.0))); }

int border_median(const GrayImage& image) {
  std::vector<std::uint8_t> border;
  const std::size_t w = image.width, h = image.height;
  for (std::size_t y = 0; y < h; ++y) {
    for (std::size_t x = 0; x < w; x += (y == 0 || y + 1 == h) ? 1 : std::max<std::size_t>(w - 1, 1)) {
      border.push_back(image.pixels[y * w + x]);
    }
  }
  std::nth_element(border.begin(), border.begin() + border.size() / 2, border.end());
  return border[border.size() / 2];
}

// Otsu (1979): the threshold t maximising the between-class variance w0·w1·(m0 − m1)² of the classes
// ≤ t and > t; the middle of the maximising run when a gap in the histogram makes it a plateau.
struct Split {
  int threshold = 0;
  double low_mean = 0, high_mean = 0;
};
Split otsu(const GrayImage& image) {
  std::array<double, 256> hist{};
  for (std::uint8_t v : image.pixels) ++hist[v];
  double total = 0, sum = 0;
  for (int i = 0; i < 256; ++i) {
    total += hist[i];
    sum += i * hist[i];
  }
  Split split;
  double best = 0, w0 = 0, s0 = 0;
  int first = -1, last = -1;
  for (int t = 0; t < 255; ++t) {
    w0 += hist[t];
    s0 += t * hist[t];
    const double w1 = total - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double m0 = s0 / w0, m1 = (sum - s0) / w1, between = w0 * w1 * (m0 - m1) * (m0 - m1);
    if (between > best) {
      best = between;
      first = last = t;
      split.low_mean = m0;
      split.high_mean = m1;
    } else if (between == best && last == t - 1) {
      last = t;
    }
  }
  split.threshold = (first + last) / 2;
  return split;
}

// Clears the 8-connected components of `ink` (255 = ink) smaller than 2% of the largest one.
void remove_specks(std::vector<std::uint8_t>& ink, std::size_t w, std::size_t h) {
  std::vector<std::uint32_t> label(ink.size(), 0);
  std::vector<std::size_t> sizes{0}, stack;
  for (std::size_t seed = 0; seed < ink.size(); ++seed) {
    if (!ink[seed] || label[seed]) continue;
    const auto id = static_cast<std::uint32_t>(sizes.size());
    std::size_t count = 0;
    label[seed] = id;
    stack.push_back(seed);
    while (!stack.empty()) {
      const std::size_t p = stack.back(), px = p % w, py = p / w;
      stack.pop_back();
      ++count;
      for (std::size_t y = py > 0 ? py - 1 : 0; y <= std::min(py + 1, h - 1); ++y) {
        for (std::size_t x = px > 0 ? px - 1 : 0; x <= std::min(px + 1, w - 1); ++x) {
          const std::size_t q = y * w + x;
          if (ink[q] && !label[q]) {
            label[q] = id;
            stack.push_back(q);
          }
        }
      }
    }
    sizes.push_back(count);
  }
  const std::size_t largest = *std::max_element(sizes.begin(), sizes.end());
  for (std::size_t i = 0; i < ink.size(); ++i) {
    if (ink[i] && sizes[label[i]] * 50 < largest) ink[i] = 0;
  }
}

struct Box {
  std::size_t x0, y0, x1, y1;  // inclusive
};
template <class Pred>
bool bounding_box(const GrayImage& image, Pred inside, Box& box) {
  box = {image.width, image.height, 0, 0};
  for (std::size_t y = 0; y < image.height; ++y) {
    for (std::size_t x = 0; x < image.width; ++x) {
      if (!inside(image.pixels[y * image.width + x])) continue;
      box = {std::min(box.x0, x), std::min(box.y0, y), std::max(box.x1, x), std::max(box.y1, y)};
    }
  }
  return box.x0 <= box.x1;
}

// Area-averaged size of a w×h crop whose longer side becomes `longer`, aspect ratio kept.
std::pair<std::size_t, std::size_t> fit(std::size_t w, std::size_t h, std::size_t longer) {
  const double scale = static_cast<double>(longer) / static_cast<double>(std::max(w, h));
  return {std::max<std::size_t>(1, std::lround(static_cast<double>(w) * scale)),
          std::max<std::size_t>(1, std::lround(static_cast<double>(h) * scale))};
}

// Which way round the ink is: the background (the border's median) is light when it lies nearer the
// level of the lightest 0.1% of the pixels than that of the darkest 0.1% (the ink is the extreme).
bool has_light_background(const GrayImage& image) {
  std::array<std::size_t, 256> hist{};
  for (std::uint8_t v : image.pixels) ++hist[v];
  const std::size_t tail = image.pixels.size() / 1000;
  int lo = 0, hi = 255;
  for (std::size_t seen = hist[0]; seen <= tail && lo < 255;) seen += hist[++lo];
  for (std::size_t seen = hist[255]; seen <= tail && hi > 0;) seen += hist[--hi];
  const int background = border_median(image);
  return background - lo >= hi - background;
}

// The ink made bright on black (v, or 255 − v on a light background) minus the background's slow
// variations (uneven light, shadows, tinted paper): the background under a pixel is the minimum over
// the 3×3 cells around its cell, cells of ⌈max(w, h)/8⌉ pixels, so wider than any stroke.
GrayImage flattened_ink(const GrayImage& image, bool light_background) {
  const std::size_t w = image.width, h = image.height;
  const std::size_t cell = std::max<std::size_t>(1, (std::max(w, h) + 7) / 8);
  const std::size_t cw = (w + cell - 1) / cell, ch = (h + cell - 1) / cell;
  GrayImage ink{w, h, std::vector<std::uint8_t>(w * h)};
  std::vector<std::uint8_t> low(cw * ch, 255), background(cw * ch, 255);
  for (std::size_t i = 0; i < ink.pixels.size(); ++i) {
    ink.pixels[i] = light_background ? static_cast<std::uint8_t>(255 - image.pixels[i]) : image.pixels[i];
    std::uint8_t& m = low[(i / w / cell) * cw + (i % w) / cell];
    m = std::min(m, ink.pixels[i]);
  }
  for (std::size_t y = 0; y < ch; ++y) {
    for (std::size_t x = 0; x < cw; ++x) {
      for (std::size_t ny = y > 0 ? y - 1 : 0; ny <= std::min(y + 1, ch - 1); ++ny) {
        for (std::size_t nx = x > 0 ? x - 1 : 0; nx <= std::min(x + 1, cw - 1); ++nx) {
          background[y * cw + x] = std::min(background[y * cw + x], low[ny * cw + nx]);
        }
      }
    }
  }
  for (std::size_t i = 0; i < ink.pixels.size(); ++i) {
    ink.pixels[i] = static_cast<std::uint8_t>(ink.pixels[i] - background[(i / w / cell) * cw + (i % w) / cell]);
  }
  return ink;
}

GrayImage mnist_digit(const GrayImage& image, std::size_t side) {
  GrayImage ink = flattened_ink(image, has_light_background(image));
  const Split split = otsu(ink);
  if (split.high_mean - split.low_mean < kMinInkContrast) {
    throw Error("to_dataset_sample: no digit found: the image has no ink (nothing stands out from the background "
                "by " + std::to_string(static_cast<int>(kMinInkContrast)) + " gray levels)");
  }
  for (std::uint8_t& v : ink.pixels) v = v > split.threshold ? 255 : 0;
  remove_specks(ink.pixels, ink.width, ink.height);
  Box b;
  bounding_box(ink, [](std::uint8_t v) { return v != 0; }, b);  // never empty: the largest component stays
  const std::size_t bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
  const auto [nw, nh] = fit(bw, bh, std::max<std::size_t>(1, std::lround(static_cast<double>(side) * 20 / 28)));
  const std::vector<float> digit = resize_area(&ink.pixels[b.y0 * ink.width + b.x0], ink.width, bw, bh, nw, nh);
  double mass = 0, mx = 0, my = 0;
  for (std::size_t y = 0; y < nh; ++y) {
    for (std::size_t x = 0; x < nw; ++x) {
      const double v = digit[y * nw + x];
      mass += v;
      mx += v * static_cast<double>(x);
      my += v * static_cast<double>(y);
    }
  }
  // Pixel (x, y) sits at coordinates (x, y): the MNIST files' centers of mass lie within half a
  // pixel of pixel (14, 14) in this convention, not of the field's geometric center (13.5, 13.5).
  const double half = static_cast<double>(side) / 2;
  const auto place = [&](double center, std::size_t n) {
    const long offset = std::lround(half - center / mass);
    return static_cast<std::size_t>(std::clamp<long>(offset, 0, static_cast<long>(side - n)));
  };
  const std::size_t ox = place(mx, nw), oy = place(my, nh);
  GrayImage out{side, side, std::vector<std::uint8_t>(side * side, 0)};
  for (std::size_t y = 0; y < nh; ++y) {
    for (std::size_t x = 0; x < nw; ++x) out.pixels[(oy + y) * side + ox + x] = to_byte(digit[y * nw + x]);
  }
  return out;
}

GrayImage fashion_item(const GrayImage& image, std::size_t side) {
  const int background = border_median(image);
  Box b;  // "close" is within 5% of the maximum intensity: |v − background| ≤ 12.75
  if (!bounding_box(image, [&](std::uint8_t v) { return std::abs(v - background) * 20 > 255; }, b)) {
    throw Error("to_dataset_sample: no item found: every pixel is within 5% of the background gray level " +
                std::to_string(background));
  }
  const std::size_t bw = b.x1 - b.x0 + 1, bh = b.y1 - b.y0 + 1;
  const auto [nw, nh] = fit(bw, bh, side);
  const std::vector<float> item = resize_area(&image.pixels[b.y0 * image.width + b.x0], image.width, bw, bh, nw, nh);
  std::vector<float> canvas(side * side, static_cast<float>(background));
  const std::size_t ox = (side - nw) / 2, oy = (side - nh) / 2;
  for (std::size_t y = 0; y < nh; ++y) {
    std::copy_n(&item[y * nw], nw, &canvas[(oy + y) * side + ox]);
  }
  GrayImage out{side, side, std::vector<std::uint8_t>(side * side)};
  const double bg = background;
  for (std::size_t i = 0; i < canvas.size(); ++i) {
    out.pixels[i] = to_byte(bg >= 128 ? (bg - canvas[i]) * 255 / bg : (canvas[i] - bg) * 255 / (255 - bg));
  }
  return out;
}

}  // namespace

GrayImage decode_image(std::span<const std::uint8_t> bytes, const std::string& source) {
  if (bytes.empty()) throw Error(source + ": the file is empty (0 bytes), not an image");
  if (bytes.size() >= kPngSignature.size() && std::equal(kPngSignature.begin(), kPngSignature.end(), bytes.begin())) {
    return decode_png(bytes, source);
  }
  if (bytes.size() >= 3 && bytes[0] == 0xff && bytes[1] == 0xd8 && bytes[2] == 0xff) return decode_jpeg(bytes, source);
  if (bytes.size() < kPngSignature.size() && std::equal(bytes.begin(), bytes.end(), kPngSignature.begin())) {
    throw Error(source + ": truncated PNG file (only " + std::to_string(bytes.size()) + " bytes)");
  }
  throw Error(source + ": not a PNG or JPEG image" + format_hint(bytes));
}

GrayImage read_image(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw Error(path + ": is a directory, not an image file");
  std::ifstream in(path, std::ios::binary | std::ios::ate);
  if (!in) throw Error(path + ": cannot open file (" + std::strerror(errno) + ")");
  const std::streamoff size = in.tellg();
  if (size < 0) throw Error(path + ": cannot read file (" + std::strerror(errno) + ")");
  if (static_cast<std::uintmax_t>(size) > kMaxFileBytes) {
    throw Error(path + ": the file is " + std::to_string(size) + " bytes; image files above 256 MiB are refused");
  }
  std::vector<std::uint8_t> bytes(static_cast<std::size_t>(size));
  in.seekg(0);
  if (!in.read(reinterpret_cast<char*>(bytes.data()), size)) throw Error(path + ": cannot read file (I/O error)");
  return decode_image(bytes, path);
}

void write_png(const std::string& path, const GrayImage& image) {
  if (image.width == 0 || image.height == 0 || image.width > 0x7fffffff || image.height > 0x7fffffff) {
    throw Error(path + ": cannot write a " + std::to_string(image.width) + "x" + std::to_string(image.height) +
                " PNG (each side must be 1..2^31-1)");
  }
  if (image.pixels.size() / image.width != image.height || image.pixels.size() % image.width != 0) {
    throw Error(path + ": cannot write PNG: the image has " + std::to_string(image.pixels.size()) +
                " pixels, width x height is " + std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  png_image png{};
  png.version = PNG_IMAGE_VERSION;
  png.width = static_cast<png_uint_32>(image.width);
  png.height = static_cast<png_uint_32>(image.height);
  png.format = PNG_FORMAT_GRAY;
  png_alloc_size_t size = 0;
  if (!png_image_write_to_memory(&png, nullptr, &size, 0, image.pixels.data(), 0, nullptr)) {
    throw Error(path + ": cannot encode PNG (libpng: " + png.message + ")");
  }
  std::vector<std::uint8_t> encoded(size);
  if (!png_image_write_to_memory(&png, encoded.data(), &size, 0, image.pixels.data(), 0, nullptr)) {
    throw Error(path + ": cannot encode PNG (libpng: " + png.message + ")");
  }
  encoded.resize(size);
  write_file_atomic(path, encoded);
}

GrayImage to_dataset_sample(const GrayImage& image, ImageStyle style, std::size_t side) {
  if (image.width == 0 || image.height == 0) throw Error("to_dataset_sample: the image is empty");
  if (image.pixels.size() / image.width != image.height || image.pixels.size() % image.width != 0) {
    throw Error("to_dataset_sample: the image has " + std::to_string(image.pixels.size()) +
                " pixels, width x height is " + std::to_string(image.width) + "x" + std::to_string(image.height));
  }
  if (side == 0 || side > kMaxSampleSide) {
    throw Error("to_dataset_sample: side must be 1.." + std::to_string(kMaxSampleSide) + ", got " +
                std::to_string(side));
  }
  switch (style) {
    case ImageStyle::kMnistDigit: return mnist_digit(image, side);
    case ImageStyle::kFashionItem: return fashion_item(image, side);
    case ImageStyle::kResize: break;
  }
  const std::vector<float> v = resize_area(image.pixels.data(), image.width, image.width, image.height, side, side);
  GrayImage out{side, side, std::vector<std::uint8_t>(v.size())};
  std::transform(v.begin(), v.end(), out.pixels.begin(), [](float x) { return to_byte(x); });
  return out;
}

}  // namespace mlp
