// SPDX-License-Identifier: MIT
// Internal to src/plot: the look shared by the plot functions (sizes, colors, number formatting).
#pragma once

#include <cstddef>
#include <cstdio>
#include <string>

#include "mlp/plot/gnuplot.hpp"

namespace mlp::plot_detail {

// Default image grid geometry, in pixels.
inline constexpr std::size_t kCellWidth = 130;
inline constexpr std::size_t kCellHeight = 154;
inline constexpr std::size_t kTitleHeight = 40;
inline constexpr double kCaptionHeight = 24;  // above each image
inline constexpr double kGridMargin = 6;
// Default learning-curve panel, in pixels.
inline constexpr std::size_t kPanelWidth = 560;
inline constexpr std::size_t kPanelHeight = 420;
inline constexpr std::size_t kMaxPanelsPerRow = 3;

inline const char* const kTrainColor = "#1f77b4";  // matplotlib's first two colors, as in Keras guides
inline const char* const kValidationColor = "#ff7f0e";
inline const char* const kMarkerColor = "#d62728";
inline const char* const kSeriesColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                            "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

inline std::string fraction(double value) { return gnuplot_number(value); }

// Our own color constants, written as they are: gnuplot reads a color name without escapes.
inline std::string rgb(const char* color) { return std::string("rgb \"") + color + "\""; }

// printf-style formatting of one number (the library does not link fmt).
inline std::string format_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// A multiplot of `count` panels, up to kMaxPanelsPerRow per row, with a grid and the title on
// top; a zero width or height of `size` is filled in from the panel count.
GnuplotScript panel_grid(std::size_t count, const std::string& title, ImageSize& size);

}  // namespace mlp::plot_detail
