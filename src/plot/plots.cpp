// SPDX-License-Identifier: MIT
#include "mlp/plot/plots.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <utility>

#include "mlp/error.hpp"
#include "mlp/metrics/confusion_matrix.hpp"
#include "mlp/sequential.hpp"

namespace mlp {
namespace {

// Default image grid geometry, in pixels.
constexpr std::size_t kCellWidth = 130;
constexpr std::size_t kCellHeight = 154;
constexpr std::size_t kTitleHeight = 40;
constexpr double kCaptionHeight = 24;  // above each image
constexpr double kGridMargin = 6;
// Default learning-curve panel, in pixels.
constexpr std::size_t kPanelWidth = 560;
constexpr std::size_t kPanelHeight = 420;
constexpr std::size_t kMaxPanelsPerRow = 3;

const char* const kTrainColor = "#1f77b4";       // matplotlib's first two colors, as in Keras guides
const char* const kValidationColor = "#ff7f0e";
const char* const kMarkerColor = "#d62728";
const char* const kSeriesColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd",
                                     "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"};

std::string fraction(double value) { return gnuplot_number(value); }

// Our own color constants, written as they are: gnuplot reads a color name without escapes.
std::string rgb(const char* color) { return std::string("rgb \"") + color + "\""; }

// "epoch value" records, epochs from 1.
std::string epoch_table(const std::vector<double>& values) {
  std::string table;
  for (std::size_t i = 0; i < values.size(); ++i) {
    table += std::to_string(i + 1) + ' ' + gnuplot_number(values[i]) + '\n';
  }
  return table;
}

// printf-style formatting of one number (the library does not link fmt).
std::string format_number(const char* format, double value) {
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, format, value);
  return buffer;
}

// Keras' shape notation for a parameter: "(784, 256)", a bias "(256,)".
std::string param_shape(const Matrix& value) {
  if (value.rows() == 1) return "(" + std::to_string(value.cols()) + ",)";
  return "(" + std::to_string(value.rows()) + ", " + std::to_string(value.cols()) + ")";
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

namespace {
// A multiplot of `count` panels, up to kMaxPanelsPerRow per row, with a grid and the title on
// top; a zero width or height of `size` is filled in from the panel count.
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
}  // namespace

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

void plot_weight_histograms(const std::string& png_path, const Model& model, const std::string& title,
                            ImageSize size) {
  constexpr std::size_t kBins = 40;
  if (!model.built()) throw Error(png_path + ": the model is not built, so it has no weights to plot");
  struct Panel {
    const Layer* layer;
    std::vector<const Param*> params;
  };
  std::vector<Panel> panels;
  for (const auto& layer : model.layers()) {
    Panel panel{layer.get(), {}};
    for (const Param* param : layer->params()) {
      if (param->value.size() > 0) panel.params.push_back(param);
    }
    if (!panel.params.empty()) panels.push_back(std::move(panel));
  }
  if (panels.empty()) throw Error(png_path + ": the model has no layer with weights");

  GnuplotScript script = panel_grid(panels.size(), title, size);
  script.add("set key below font \",9\"");         // under the x label, clear of the bars
  script.add("set offsets 0, 0, graph 0.05, 0");  // headroom above the tallest bar
  script.add("set style fill transparent solid 0.45 noborder");
  script.add("set xlabel \"weight value\"");
  script.add("set ylabel \"fraction of values\"");
  script.add("set yrange [0:*]");
  for (const Panel& panel : panels) {
    // Bins shared by the layer's parameters, over the range of their finite values.
    double lo = INFINITY, hi = -INFINITY;
    for (const Param* param : panel.params) {
      const Scalar* v = param->value.data();
      for (std::size_t i = 0; i < param->value.size(); ++i) {
        if (std::isfinite(v[i])) {
          lo = std::min(lo, static_cast<double>(v[i]));
          hi = std::max(hi, static_cast<double>(v[i]));
        }
      }
    }
    if (!(lo <= hi)) lo = hi = 0;  // nothing finite: an empty panel around 0
    if (hi - lo < 1e-12) {         // one value (a zero bias): a bin around it
      lo -= 0.5;
      hi += 0.5;
    }
    const double width = (hi - lo) / kBins;
    std::string shapes, curves;
    for (std::size_t p = 0; p < panel.params.size(); ++p) {
      const Param& param = *panel.params[p];
      std::vector<std::size_t> bins(kBins, 0);
      std::size_t finite = 0;
      double sum = 0, sum_sq = 0;
      const Scalar* v = param.value.data();
      for (std::size_t i = 0; i < param.value.size(); ++i) {
        const double x = v[i];
        if (!std::isfinite(x)) continue;
        ++finite;
        sum += x;
        sum_sq += x * x;
        bins[std::min(kBins - 1, static_cast<std::size_t>((x - lo) / width))] += 1;
      }
      const double n = static_cast<double>(std::max<std::size_t>(finite, 1));
      const double mean = sum / n;
      const double std_dev = std::sqrt(std::max(0.0, sum_sq / n - mean * mean));
      std::string table;
      for (std::size_t b = 0; b < kBins; ++b) {
        table += gnuplot_number(lo + (static_cast<double>(b) + 0.5) * width) + ' ' +
                 gnuplot_number(static_cast<double>(bins[b]) / n) + '\n';
      }
      std::string legend =
          param.name + ": mean " + format_number("%.3g", mean) + ", std " + format_number("%.3g", std_dev);
      if (finite < param.value.size()) legend += ", " + std::to_string(param.value.size() - finite) + " non-finite";
      shapes += (p ? ", " : "") + param.name + " " + param_shape(param.value);
      curves += (p ? ", " : "") + script.add_data(std::move(table)) + " using 1:2 with boxes lc " +
                rgb(kSeriesColors[p % std::size(kSeriesColors)]) + " title " + gnuplot_quote(legend);
    }
    const std::string layer = panel.layer->name() + " (" + std::string(panel.layer->kind()) + ")";
    script.add("set title " + gnuplot_quote(layer + "\n" + shapes));
    script.add("set boxwidth " + gnuplot_number(width) + " absolute");
    script.add("set xrange [" + gnuplot_number(lo) + ":" + gnuplot_number(hi) + "]");
    script.add("plot " + curves);
  }
  script.add("unset multiplot");
  render_png(png_path, script, size);
}

void plot_confusion_matrix(const std::string& png_path, const metrics::ConfusionMatrix& matrix,
                           const std::vector<std::string>& class_names, const std::string& title, ImageSize size) {
  constexpr std::size_t kMaxLabelledClasses = 40;
  const std::size_t classes = matrix.classes();
  if (!class_names.empty() && class_names.size() != classes) {
    throw Error(png_path + ": " + std::to_string(class_names.size()) + " class names for a confusion matrix of " +
                std::to_string(classes) + " classes");
  }
  auto name = [&](std::size_t c) { return class_names.empty() ? std::to_string(c) : class_names[c]; };
  if (size.width == 0) size.width = std::max<std::size_t>(640, 60 * classes + 260);
  if (size.height == 0) size.height = std::max<std::size_t>(560, 60 * classes + 220);
  std::size_t max_count = 0;
  for (std::size_t c : matrix.counts()) max_count = std::max(max_count, c);

  std::string table;  // row t = true class t, column p = predicted class p
  for (std::size_t t = 0; t < classes; ++t) {
    for (std::size_t p = 0; p < classes; ++p) {
      table += std::to_string(matrix.count(t, p)) + (p + 1 < classes ? ' ' : '\n');
    }
  }
  GnuplotScript script;
  const std::string heading = (title.empty() ? std::string("Confusion matrix") : title) + "\naccuracy: " +
                              format_number("%.2f", 100 * matrix.accuracy()) + "% (" +
                              std::to_string(matrix.correct()) + " of " + std::to_string(matrix.total()) + ")";
  script.add("set title " + gnuplot_quote(heading) + " font \",13\"");
  script.add("set xlabel \"predicted label\"");
  script.add("set ylabel \"true label\"");
  script.add("set cblabel \"count\"");
  script.add("set palette defined (0 \"#f7fbff\", 0.5 \"#6baed6\", 1 \"#08306b\")");  // scikit-learn's Blues
  script.add("set cbrange [0:" + std::to_string(std::max<std::size_t>(max_count, 1)) + "]");
  script.add("set size square");
  script.add("unset key");
  script.add("set tics scale 0");
  const std::string range = "[-0.5:" + gnuplot_number(static_cast<double>(classes) - 0.5) + "]";
  script.add("set xrange " + range);
  script.add("set yrange [" + gnuplot_number(static_cast<double>(classes) - 0.5) + ":-0.5]");  // class 0 on top
  std::string tics;
  bool long_names = false;
  for (std::size_t c = 0; c < classes; ++c) {
    tics += (c ? ", " : "") + gnuplot_quote(name(c)) + " " + std::to_string(c);
    long_names = long_names || name(c).size() > 3;
  }
  script.add("set xtics (" + tics + ")" + (long_names ? " rotate by 45 right" : ""));
  script.add("set ytics (" + tics + ")");
  if (classes <= kMaxLabelledClasses) {
    const std::string font = classes <= 12 ? "\",10\"" : "\",7\"";
    for (std::size_t t = 0; t < classes; ++t) {
      for (std::size_t p = 0; p < classes; ++p) {
        const std::size_t count = matrix.count(t, p);
        const bool dark = max_count > 0 && 2 * count > max_count;
        script.add("set label " + gnuplot_quote(std::to_string(count)) + " at " + std::to_string(p) + "," +
                   std::to_string(t) + " center front font " + font + " textcolor rgb \"" +
                   (dark ? "#ffffff" : "#000000") + "\"");
      }
    }
  }
  script.add("plot " + script.add_data(std::move(table)) + " matrix with image");
  render_png(png_path, script, size);
}

void plot_predicted_vs_true(const std::string& png_path, const std::vector<double>& truth,
                            const std::vector<double>& predicted, const std::string& quantity,
                            const std::string& title, ImageSize size) {
  if (truth.size() != predicted.size()) {
    throw Error(png_path + ": " + std::to_string(truth.size()) + " true values but " +
                std::to_string(predicted.size()) + " predictions");
  }
  std::string table;
  double lo = INFINITY, hi = -INFINITY, sum = 0;
  std::size_t n = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (!std::isfinite(truth[i]) || !std::isfinite(predicted[i])) continue;
    table += gnuplot_number(truth[i]) + ' ' + gnuplot_number(predicted[i]) + '\n';
    lo = std::min({lo, truth[i], predicted[i]});
    hi = std::max({hi, truth[i], predicted[i]});
    sum += truth[i];
    ++n;
  }
  if (n == 0) throw Error(png_path + ": no finite (true, predicted) pair to plot");
  const double mean = sum / static_cast<double>(n);
  double ss_res = 0, ss_tot = 0, abs_err = 0;
  for (std::size_t i = 0; i < truth.size(); ++i) {
    if (!std::isfinite(truth[i]) || !std::isfinite(predicted[i])) continue;
    ss_res += (predicted[i] - truth[i]) * (predicted[i] - truth[i]);
    ss_tot += (truth[i] - mean) * (truth[i] - mean);
    abs_err += std::abs(predicted[i] - truth[i]);
  }
  const double pad = hi > lo ? 0.03 * (hi - lo) : 0.5;
  lo -= pad;
  hi += pad;
  // R² is undefined when every true value is the same.
  std::string stats = ss_tot > 0 ? "R\xc2\xb2 " + format_number("%.3f", 1 - ss_res / ss_tot) + ", " : std::string();
  stats += "MAE " + format_number("%.6g", abs_err / static_cast<double>(n)) + ", " + std::to_string(n) + " samples";
  if (size.width == 0) size = {700, 640};

  GnuplotScript script;
  script.add("set title " + gnuplot_quote((title.empty() ? std::string("Predicted vs true") : title) + "\n" + stats) +
             " font \",13\"");
  script.add("set xlabel " + gnuplot_quote("true " + quantity));
  script.add("set ylabel " + gnuplot_quote("predicted " + quantity));
  script.add("set grid lc rgb \"#dddddd\"");
  script.add("set size square");
  script.add("set key top left box opaque");
  const std::string range = "[" + gnuplot_number(lo) + ":" + gnuplot_number(hi) + "]";
  script.add("set xrange " + range);
  script.add("set yrange " + range);
  // Translucent points (gnuplot's #AARRGGBB, AA = transparency), so dense regions show as darker.
  script.add("plot " + script.add_data(std::move(table)) + " using 1:2 with points pt 7 ps 0.5 lc rgb \"#901f77b4\"" +
             " title \"samples\", x with lines dt 2 lw 2 lc " + rgb(kMarkerColor) +
             " title \"predicted = true\"");
  render_png(png_path, script, size);
}

}  // namespace mlp
