// SPDX-License-Identifier: MIT
// to_dataset_sample: a picture made into a data set's sample (MNIST digit, Fashion-MNIST item, resize).
#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/image.hpp"

namespace mlp {
namespace {

constexpr std::size_t kMaxSampleSide = 1024;
constexpr double kMinInkContrast = 32;  // gray levels between Otsu's two class means

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
    throw Error(
        "to_dataset_sample: no digit found: the image has no ink (nothing stands out from the background "
        "by " +
        std::to_string(static_cast<int>(kMinInkContrast)) + " gray levels)");
  }
  for (std::uint8_t& v : ink.pixels) v = v > split.threshold ? 255 : 0;
  remove_specks(ink.pixels, ink.width, ink.height);
  Box b;
  bounding_box(
      ink, [](std::uint8_t v) { return v != 0; }, b);  // never empty: the largest component stays
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
  if (!bounding_box(
          image, [&](std::uint8_t v) { return std::abs(v - background) * 20 > 255; }, b)) {
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
