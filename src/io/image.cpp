// SPDX-License-Identifier: MIT
// Images read and written: PNG (libpng) and JPEG (libjpeg-turbo) decoded to 8-bit gray, PNG encoded.
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
constexpr int kMaxJpegScans = 100;            // real progressive files have about 10
constexpr long kMaxJpegMemory = 1024L << 20;  // libjpeg's working memory (coefficient buffers)
constexpr std::array<std::uint8_t, 8> kPngSignature{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

bool too_large(std::size_t width, std::size_t height) {
  return width > kMaxSide || height > kMaxSide || width * height > kMaxPixels;
}

[[noreturn]] void throw_too_large(const std::string& source, const char* format, std::size_t w, std::size_t h) {
  throw Error(source + ": the " + format + " image is " + std::to_string(w) + "x" + std::to_string(h) +
              " pixels; images above " + std::to_string(kMaxSide) +
              " pixels per side or 64 Mpixel are refused "
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
  png_set_expand(job.png);    // palette -> RGB, gray < 8 bit -> 8, tRNS -> alpha
  png_set_scale_16(job.png);  // 16 -> 8 bit, rounded
  png_set_gray_to_rgb(job.png);
  png_set_add_alpha(job.png, 0xff, PNG_FILLER_AFTER);  // only where there is no alpha yet
  png_set_interlace_handling(job.png);
  png_read_update_info(job.png, job.info);
  if (png_get_rowbytes(job.png, job.info) != 4 * job.width) png_error(job.png, "unexpected row layout");
  job.rgba.resize(4 * job.width * job.height);
  job.rows.resize(job.height);
  for (std::size_t y = 0; y < job.height; ++y) job.rows[y] = job.rgba.data() + 4 * job.width * y;
  png_read_image(job.png, job.rows.data());
  png_read_end(job.png, nullptr);  // checks the rest of the file up to IEND
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
    case JWRN_EXTRANEOUS_DATA:
    case JWRN_JFIF_MAJOR:
    case JWRN_BOGUS_ICC:
    case JWRN_ADOBE_XFORM: return;
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
        case 2: sx = w - 1 - x; break;  // mirrored
        case 3:
          sx = w - 1 - x;
          sy = h - 1 - y;
          break;                        // 180°
        case 4: sy = h - 1 - y; break;  // flipped
        case 5:
          sx = y;
          sy = x;
          break;  // transposed
        case 6:
          sx = y;
          sy = h - 1 - x;
          break;  // shown rotated 90° clockwise
        case 7:
          sx = w - 1 - y;
          sy = h - 1 - x;
          break;  // transversed
        default:
          sx = w - 1 - y;
          sy = x;
          break;  // 8: shown rotated 90° counter-clockwise
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
  const char* name = at(0, "GIF8")                                         ? "a GIF"
                     : at(0, "BM")                                         ? "a BMP"
                     : at(0, "RIFF") && at(8, "WEBP")                      ? "a WebP"
                     : at(0, "II*") || at(0, std::string_view("MM\0*", 4)) ? "a TIFF"
                     : at(4, "ftyp")                                       ? "an HEIC/AVIF/MP4"
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

}  // namespace mlp
