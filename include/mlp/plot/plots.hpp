// SPDX-License-Identifier: MIT
#pragma once
// The plots mlp draws, as PNG files (gnuplot, see gnuplot.hpp): a grid of sample images with their
// captions, learning curves from a training History, and a general line plot (optional log x and a
// marked x, as a learning-rate finder needs). Every function validates its input, throws
// mlp::Error naming the file and what is wrong, and writes the PNG atomically: on any error an
// existing file at png_path is left as it was. All text (titles, captions, names) is drawn as it is
// written, whatever characters it holds.
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlp/io/image.hpp"
#include "mlp/plot/gnuplot.hpp"

namespace mlp {

class Model;
namespace metrics {
class ConfusionMatrix;
}

/// One picture of an image grid: 8-bit gray pixels (0 = black, 255 = white; any width × height,
/// e.g. 28×28) and the caption drawn above it (a label such as "7" or "Ankle boot").
struct GrayImageSample {
  GrayImage image;
  std::string caption;
};

/// Draws `samples` in a rows × cols grid, row by row from the top left (cells past the last sample
/// stay empty), each image with a linear gray palette (0 black, 255 white), square pixels, no axes,
/// its caption above it, and `title` (if not empty) above the grid.
/// size {0, 0}: 130 pixels per column and 154 per row, plus 12 of margins and 40 for a title:
/// 662×822 for 5×5 with a title.
/// Throws mlp::Error when rows or cols is 0, the samples do not fit the grid, there are none, or a
/// sample's pixels.size() ≠ width·height or is empty; and as render_png does.
void plot_image_grid(const std::string& png_path, const std::vector<GrayImageSample>& samples, std::size_t rows,
                     std::size_t cols, const std::string& title, ImageSize size = {});

/// Draws a training history (History::history(), Keras' logs: "loss", "accuracy", "val_loss", ...)
/// with one panel per metric: the metric's training curve ("train") and, where the history has
/// "val_<metric>", its validation curve ("validation"), against the epoch (1, 2, ...). A
/// "val_<metric>" without its training curve gets a panel of its own. Panels are ordered "loss"
/// first, then by name, up to 3 per row. Non-finite values (a diverged loss) are left out of the
/// curve.
/// size {0, 0}: 560×420 pixels per panel (+ 40 for the title).
/// Throws mlp::Error when the history has no values at all; and as render_png does.
void plot_learning_curves(const std::string& png_path, const std::map<std::string, std::vector<double>>& history,
                          const std::string& title, ImageSize size = {});

/// One curve of a LinePlot: the points (x[i], y[i]), drawn as a line, and its name in the legend.
struct LineSeries {
  std::string name;
  std::vector<double> x, y;
};

/// A vertical dashed line across the plot at x, with its label near the top (e.g. the learning
/// rate a learning-rate finder suggests).
struct XMarker {
  double x = 0;
  std::string label;
};

/// What plot_lines draws.
struct LinePlot {
  std::string title, x_label, y_label;
  std::vector<LineSeries> series;
  bool log_x = false;             // a logarithmic x axis (learning rates)
  std::optional<XMarker> marker;  // none by default
  ImageSize size{800, 600};       // pixels
};

/// Draws every series of `plot` as a line on one pair of axes, with a legend and a grid.
/// Non-finite y values are left out of their curve (a loss that blew up).
/// Throws mlp::Error when there is no series, a series has no points or x.size() ≠ y.size(), an x
/// (or the marker's x) is not finite, or, with log_x, not positive; and as render_png does.
void plot_lines(const std::string& png_path, const LinePlot& plot);

/// Draws the distribution of a model's weights ("plotting weights" in the classic notebooks): one
/// panel per layer with trainable parameters (layers()[i]->params(): Dense's kernel and bias,
/// BatchNormalization's gamma and beta), titled with the layer's name, class and each parameter's
/// shape, holding one histogram per parameter (40 bins shared by the layer's parameters; y is the
/// fraction of that parameter's values in the bin, so a 256-value bias and a 200,960-value kernel
/// compare), its legend entry giving the mean and standard deviation. Non-finite values are left
/// out and counted in the legend. Panels are ordered as the layers, up to 3 per row.
/// size {0, 0}: 560×420 pixels per panel (+ 40 for the title).
/// Throws mlp::Error when the model is not built or no layer has parameters; and as render_png does.
void plot_weight_histograms(const std::string& png_path, const Model& model, const std::string& title,
                            ImageSize size = {});

/// Draws a regression model's predictions against the true values, one point per sample, with the
/// diagonal y = x (a perfect model) and a title (empty: "Predicted vs true") followed by the line
/// "R² 0.812, MAE 0.35, 1000 samples" (R² = 1 − Σ(p−t)²/Σ(t−mean t)²). `quantity` names the axes:
/// "true <quantity>", "predicted <quantity>". Both axes share one range. Non-finite points are
/// left out. size {0, 0}: 700×640.
/// Throws mlp::Error when the sizes differ or there is no finite pair; and as render_png does.
void plot_predicted_vs_true(const std::string& png_path, const std::vector<double>& truth,
                            const std::vector<double>& predicted, const std::string& quantity, const std::string& title,
                            ImageSize size = {});

/// Draws a confusion matrix (metrics/confusion_matrix.hpp) as a heat map: true label on y (class 0
/// at the top), predicted label on x, `class_names` on both axes (empty: "0", "1", ...), each cell's
/// count written in it (up to 40 classes; white on dark cells), a color bar of counts, and the title
/// (empty: "Confusion matrix") followed by a line "accuracy: 97.30% (973 of 1000)".
/// size {0, 0}: 60 pixels per class plus 260 × 220 of margins, at least 640×560.
/// Throws mlp::Error when class_names is neither empty nor one name per class; and as render_png does.
void plot_confusion_matrix(const std::string& png_path, const metrics::ConfusionMatrix& matrix,
                           const std::vector<std::string>& class_names, const std::string& title, ImageSize size = {});

}  // namespace mlp
