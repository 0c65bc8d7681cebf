// SPDX-License-Identifier: MIT
// The diagnostic plots: weight histograms, the confusion matrix, predicted against true values.
#include <algorithm>
#include <cmath>
#include <iterator>
#include <utility>

#include "mlp/error.hpp"
#include "mlp/metrics/confusion_matrix.hpp"
#include "mlp/plot/plots.hpp"
#include "mlp/sequential.hpp"
#include "plot_style.hpp"

namespace mlp {
using namespace plot_detail;
namespace {

// Keras' shape notation for a parameter: "(784, 256)", a bias "(256,)".
std::string param_shape(const Matrix& value) {
  // Appended piecewise: GCC 12 warns falsely (-Wrestrict) on the chained operator+ form here.
  std::string shape = "(";
  if (value.rows() != 1) {
    shape += std::to_string(value.rows());
    shape += ", ";
  }
  shape += std::to_string(value.cols());
  shape += value.rows() == 1 ? ",)" : ")";
  return shape;
}

}  // namespace

void plot_weight_histograms(const std::string& png_path, const Model& model, const std::string& title, ImageSize size) {
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
  script.add("set key below font \",9\"");        // under the x label, clear of the bars
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
  const std::string heading = (title.empty() ? std::string("Confusion matrix") : title) +
                              "\naccuracy: " + format_number("%.2f", 100 * matrix.accuracy()) + "% (" +
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
                            const std::vector<double>& predicted, const std::string& quantity, const std::string& title,
                            ImageSize size) {
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
  std::string range = "[";
  range += gnuplot_number(lo);
  range += ':';
  range += gnuplot_number(hi);
  range += ']';
  script.add("set xrange " + range);
  script.add("set yrange " + range);
  // Translucent points (gnuplot's #AARRGGBB, AA = transparency), so dense regions show as darker.
  script.add("plot " + script.add_data(std::move(table)) + " using 1:2 with points pt 7 ps 0.5 lc rgb \"#901f77b4\"" +
             " title \"samples\", x with lines dt 2 lw 2 lc " + rgb(kMarkerColor) + " title \"predicted = true\"");
  render_png(png_path, script, size);
}

}  // namespace mlp
