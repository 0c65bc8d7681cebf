// SPDX-License-Identifier: MIT
#include "mlp/plot/plots.hpp"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "mlp/error.hpp"
#include "plot_style.hpp"

namespace mlp {
using namespace plot_detail;
namespace {

// "epoch value" records, epochs from 1.
std::string epoch_table(const std::vector<double>& values) {
  std::string table;
  for (std::size_t i = 0; i < values.size(); ++i) {
    table += std::to_string(i + 1) + ' ' + gnuplot_number(values[i]) + '\n';
  }
  return table;
}

bool any_finite(const std::vector<double>& values) {
  return std::any_of(values.begin(), values.end(), [](double v) { return std::isfinite(v); });
}

}  // namespace

void plot_image_grid(const std::string& png_path, const std::vector<GrayImageSample>& samples, std::size_t rows,
                     std::size_t cols, const std::string& title, ImageSize size) {
  if (rows == 0 || cols == 0) {
    throw Error(png_path + ": an image grid needs at least one row and one column, got " + std::to_string(rows) + "x" +
                std::to_string(cols));
  }
  if (samples.empty()) throw Error(png_path + ": no images to draw");
  if (samples.size() > rows * cols) {
    throw Error(png_path + ": " + std::to_string(samples.size()) + " images do not fit a " + std::to_string(rows) +
                "x" + std::to_string(cols) + " grid");
  }
  for (std::size_t i = 0; i < samples.size(); ++i) {
    const GrayImage& image = samples[i].image;
    if (image.width == 0 || image.height == 0 || image.pixels.size() != image.width * image.height) {
      throw Error(png_path + ": image " + std::to_string(i) + " is " + std::to_string(image.width) + "x" +
                  std::to_string(image.height) + " but has " + std::to_string(image.pixels.size()) + " pixels");
    }
  }
  const double title_px = title.empty() ? 0.0 : static_cast<double>(kTitleHeight);
  if (size.width == 0) size.width = cols * kCellWidth + 2 * static_cast<std::size_t>(kGridMargin);
  if (size.height == 0) {
    size.height = rows * kCellHeight + static_cast<std::size_t>(title_px) + 2 * static_cast<std::size_t>(kGridMargin);
  }
  const auto w = static_cast<double>(size.width);
  const auto h = static_cast<double>(size.height);

  // Each layout cell is the image's plot area; the caption (the subplot's title) sits in the
  // spacing above it, so the top margin leaves room for the first row's captions and the title.
  GnuplotScript script;
  script.add("set multiplot layout " + std::to_string(rows) + "," + std::to_string(cols) + " rowsfirst" +
             (title.empty() ? std::string() : " title " + gnuplot_quote(title) + " font \",13\"") + " margins " +
             fraction(kGridMargin / w) + "," + fraction(1 - kGridMargin / w) + "," + fraction(kGridMargin / h) + "," +
             fraction(1 - (kGridMargin + title_px + kCaptionHeight) / h) + " spacing " + fraction(kGridMargin / w) +
             "," + fraction((kCaptionHeight + 2) / h));
  script.add("unset key; unset border; unset tics; unset colorbox");
  script.add("set palette gray");
  script.add("set cbrange [0:255]");
  script.add("set size ratio -1");
  for (const GrayImageSample& sample : samples) {
    const GrayImage& image = sample.image;
    std::string matrix;
    matrix.reserve(image.pixels.size() * 4);
    for (std::size_t y = 0; y < image.height; ++y) {
      for (std::size_t x = 0; x < image.width; ++x) {
        matrix += std::to_string(image.pixels[y * image.width + x]);
        matrix += x + 1 < image.width ? ' ' : '\n';
      }
    }
    const std::string data = script.add_data(std::move(matrix));
    script.add("set title " + gnuplot_quote(sample.caption) + " offset 0,-0.6");
    // Row 0 of the matrix is the image's top row: the y axis runs downwards.
    script.add("set xrange [-0.5:" + gnuplot_number(static_cast<double>(image.width) - 0.5) + "]");
    script.add("set yrange [" + gnuplot_number(static_cast<double>(image.height) - 0.5) + ":-0.5]");
    script.add("plot " + data + " matrix with image");
  }
  script.add("unset multiplot");
  render_png(png_path, script, size);
}

namespace plot_detail {
GnuplotScript panel_grid(std::size_t count, const std::string& title, ImageSize& size) {
  const std::size_t per_row = std::min(count, kMaxPanelsPerRow);
  const std::size_t panel_rows = (count + per_row - 1) / per_row;
  const double title_px = title.empty() ? 0.0 : static_cast<double>(kTitleHeight);
  if (size.width == 0) size.width = per_row * kPanelWidth;
  if (size.height == 0) size.height = panel_rows * kPanelHeight + static_cast<std::size_t>(title_px);

  GnuplotScript script;
  script.add("set multiplot layout " + std::to_string(panel_rows) + "," + std::to_string(per_row) + " rowsfirst" +
             (title.empty() ? std::string() : " title " + gnuplot_quote(title) + " font \",13\""));
  script.add("set grid lc rgb \"#dddddd\"");
  return script;
}
}  // namespace plot_detail

void plot_learning_curves(const std::string& png_path, const std::map<std::string, std::vector<double>>& history,
                          const std::string& title, ImageSize size) {
  // Panels: every metric with values; "val_x" joins x's panel when there is one.
  std::vector<std::string> panels;
  std::size_t epochs = 0;
  for (const auto& [name, values] : history) {
    epochs = std::max(epochs, values.size());
    if (values.empty()) continue;
    const bool is_val = name.starts_with("val_");
    const std::string base = is_val ? name.substr(4) : name;
    if (is_val && history.contains(base) && !history.at(base).empty()) continue;
    panels.push_back(is_val && !history.contains(base) ? name : base);
  }
  if (panels.empty()) throw Error(png_path + ": the training history has no values to plot");
  std::stable_partition(panels.begin(), panels.end(), [](const std::string& p) { return p == "loss"; });

  GnuplotScript script = panel_grid(panels.size(), title, size);
  script.add("set key outside bottom center horizontal; set bmargin 5");  // legend below the x label
  script.add("set xlabel \"epoch\"");
  // One epoch: a range around it, since [1:1] is empty.
  script.add(epochs > 1 ? "set xrange [1:" + std::to_string(epochs) + "]" : std::string("set xrange [0.5:1.5]"));
  script.add(epochs <= 20 ? "set xtics 1" : "set xtics autofreq");
  for (const std::string& panel : panels) {
    std::vector<std::string> curves;
    bool finite = false;
    auto add_curve = [&](const std::string& key, const char* legend, const char* color) {
      const auto it = history.find(key);
      if (it == history.end() || it->second.empty()) return;
      finite = finite || any_finite(it->second);
      const std::string data = script.add_data(epoch_table(it->second));
      curves.push_back(data + " using 1:2 with linespoints lw 2 pt 7 ps 0.6 lc " + rgb(color) + " title " +
                       gnuplot_quote(legend));
    };
    if (panel.starts_with("val_")) {  // a validation metric without its training curve
      add_curve(panel, "validation", kValidationColor);
    } else {
      add_curve(panel, "train", kTrainColor);
      add_curve("val_" + panel, "validation", kValidationColor);
    }
    script.add("set title " + gnuplot_quote(panel));
    script.add("set ylabel " + gnuplot_quote(panel));
    // gnuplot refuses to autoscale an axis without a single valid point.
    script.add(finite ? "set autoscale y" : "set yrange [0:1]");
    std::string plot = "plot ";
    for (std::size_t i = 0; i < curves.size(); ++i) plot += (i ? ", " : "") + curves[i];
    script.add(plot);
  }
  script.add("unset multiplot");
  render_png(png_path, script, size);
}

void plot_lines(const std::string& png_path, const LinePlot& plot) {
  if (plot.series.empty()) throw Error(png_path + ": a line plot needs at least one series");
  auto check_x = [&](double x, const std::string& what) {
    if (!std::isfinite(x) || (plot.log_x && x <= 0)) {
      throw Error(png_path + ": " + what + " is " + gnuplot_number(x) + "; x values must be finite" +
                  (plot.log_x ? " and positive on a logarithmic x axis" : ""));
    }
  };
  bool finite = false;
  GnuplotScript script;
  std::vector<std::string> curves;
  for (std::size_t s = 0; s < plot.series.size(); ++s) {
    const LineSeries& series = plot.series[s];
    const std::string which = "series " + std::to_string(s) + " ('" + series.name + "')";
    if (series.x.size() != series.y.size()) {
      throw Error(png_path + ": " + which + " has " + std::to_string(series.x.size()) + " x values and " +
                  std::to_string(series.y.size()) + " y values");
    }
    if (series.x.empty()) throw Error(png_path + ": " + which + " has no points");
    std::string table;
    for (std::size_t i = 0; i < series.x.size(); ++i) {
      check_x(series.x[i], which + " x[" + std::to_string(i) + "]");
      table += gnuplot_number(series.x[i]) + ' ' + gnuplot_number(series.y[i]) + '\n';
    }
    finite = finite || any_finite(series.y);
    const char* color = kSeriesColors[s % std::size(kSeriesColors)];
    curves.push_back(script.add_data(std::move(table)) + " using 1:2 with lines lw 2 lc " + rgb(color) + " title " +
                     gnuplot_quote(series.name));
  }
  if (!plot.title.empty()) script.add("set title " + gnuplot_quote(plot.title) + " font \",13\"");
  script.add("set xlabel " + gnuplot_quote(plot.x_label));
  script.add("set ylabel " + gnuplot_quote(plot.y_label));
  script.add("set grid lc rgb \"#dddddd\"");
  script.add("set key outside bottom center horizontal; set bmargin 5");  // legend below the x label
  if (plot.log_x) script.add("set logscale x; set format x \"%g\"");
  if (!finite) script.add("set yrange [0:1]");
  if (plot.marker) {
    check_x(plot.marker->x, "the marker's x");
    const std::string x = gnuplot_number(plot.marker->x);
    script.add("set arrow from " + x + ", graph 0 to " + x + ", graph 1 nohead dt 2 lw 2 lc " + rgb(kMarkerColor) +
               " front");
    script.add("set label " + gnuplot_quote(plot.marker->label) + " at " + x +
               ", graph 0.95 offset character 0.5,0 front textcolor " + rgb(kMarkerColor));
  }
  std::string command = "plot ";
  for (std::size_t i = 0; i < curves.size(); ++i) command += (i ? ", " : "") + curves[i];
  script.add(command);
  render_png(png_path, script, plot.size);
}

}  // namespace mlp
