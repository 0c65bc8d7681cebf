// SPDX-License-Identifier: MIT
// Plots drawn by gnuplot (scripts/bootstrap installs gnuplot-nox): each kind really is a PNG of the
// requested size, decoded and checked not to be blank; user text reaches gnuplot byte for byte and
// runs nothing; a missing gnuplot, a gnuplot error and an unwritable target give clear errors,
// leave an existing file as it was, and leave no temporary files behind.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "mlp/error.hpp"
#include "mlp/io/image.hpp"
#include "mlp/plot/gnuplot.hpp"
#include "mlp/plot/plots.hpp"
#include "test_util.hpp"

namespace mlp {
namespace {
namespace fs = std::filesystem;

// Text that would run `touch <marker>` if it escaped its string in the script, plus everything
// gnuplot treats specially: both quotes, doubled quotes, backslashes, backquotes (command
// substitution), @ (macros), # and ; (comment, command separator), newlines, enhanced-text markup,
// a Unicode escape, format specifiers and bytes that are not UTF-8.
std::vector<std::string> hostile_texts(const std::string& marker) {
  return {
      "\"; system(\"touch " + marker + "\") #",
      "'; system('touch " + marker + "') #",
      "''; system(\"touch " + marker + "\"); '",
      "x''''; system(\"touch " + marker + "\"); ''''",
      "`touch " + marker + "`",
      "\\\"; system(\"touch " + marker + "\") \\",
      "@GPVAL_PWD @x \\ \\\\ \\n \\0553 \\U+0041",
      "line one\nsystem(\"touch " + marker + "\")\r\nline three",
      "^{super}_{sub} &{space} ~a{.8-} %s %d {} $1",
      "caf\xc3\xa9 \xff\xfe ok",
  };
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// Width and height from the IHDR chunk, after checking the PNG signature and the chunk's name.
std::optional<ImageSize> png_size(const fs::path& path) {
  const std::string bytes = read_bytes(path);
  if (bytes.size() < 24 || bytes.compare(0, 8, "\x89PNG\r\n\x1a\n") != 0 || bytes.compare(12, 4, "IHDR") != 0) {
    return std::nullopt;
  }
  auto be32 = [&](std::size_t at) {
    std::size_t v = 0;
    for (std::size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(bytes[at + i]);
    return v;
  };
  return ImageSize{be32(16), be32(20)};
}

// Mean gray level of the (2r+1)² box around (x, y).
double mean_around(const GrayImage& image, std::size_t x, std::size_t y, std::size_t r) {
  double sum = 0;
  std::size_t n = 0;
  for (std::size_t yy = y - r; yy <= y + r; ++yy) {
    for (std::size_t xx = x - r; xx <= x + r; ++xx, ++n) sum += image.pixels[yy * image.width + xx];
  }
  return sum / static_cast<double>(n);
}

std::size_t count_pixels(const GrayImage& image, int lo, int hi) {
  return static_cast<std::size_t>(
      std::count_if(image.pixels.begin(), image.pixels.end(), [&](std::uint8_t p) { return p >= lo && p <= hi; }));
}

GrayImageSample solid(std::uint8_t value, std::string caption) {
  return {.image = {.width = 28, .height = 28, .pixels = std::vector<std::uint8_t>(28 * 28, value)},
          .caption = std::move(caption)};
}

using mlp::test::error_of;

// Sets an environment variable for the lifetime of the object, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    if (const char* old = std::getenv(name)) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  const char* name_;
  std::optional<std::string> old_;
};

class GnuplotPlots : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern = (fs::temp_directory_path() / "mlp_test_plot_XXXXXX").string();
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    dir_ = pattern;
  }
  void TearDown() override {
    fs::permissions(dir_, fs::perms::owner_all, fs::perm_options::add);
    fs::remove_all(dir_);
  }
  std::string path(const std::string& name) const { return (dir_ / name).string(); }

  fs::path dir_;
};

// ---- the gnuplot layer ------------------------------------------------------------------------------
TEST(GnuplotQuote, LettersAndSpacesStayEverythingElseIsOctal) {
  EXPECT_EQ(gnuplot_quote("Ankle boot"), "\"Ankle boot\"");
  EXPECT_EQ(gnuplot_quote(""), "\"\"");
  EXPECT_EQ(gnuplot_quote("7"), "\"\\067\"");
  EXPECT_EQ(gnuplot_quote("it's \"x\""), "\"it\\047s \\042x\\042\"");
  EXPECT_EQ(gnuplot_quote("a\\`@#;\n"), "\"a\\134\\140\\100\\043\\073\\012\"");
  EXPECT_EQ(gnuplot_quote("caf\xc3\xa9"), "\"caf\\303\\251\"");
  EXPECT_EQ(gnuplot_quote(std::string("a\0b", 3)), "\"ab\"");
}

TEST(GnuplotNumber, ShortestRoundTripAndNaN) {
  EXPECT_EQ(gnuplot_number(0.1), "0.1");
  EXPECT_EQ(gnuplot_number(1e-5), "1e-05");
  EXPECT_EQ(gnuplot_number(-3), "-3");
  EXPECT_EQ(gnuplot_number(NAN), "NaN");
  EXPECT_EQ(gnuplot_number(INFINITY), "NaN");
  EXPECT_EQ(gnuplot_number(-INFINITY), "NaN");
}

// gnuplot prints each quoted string back exactly: nothing is lost, added or interpreted.
TEST_F(GnuplotPlots, QuotedTextReachesGnuplotByteForByte) {
  const std::string marker = path("pwned");
  const std::string printed = path("printed.txt");
  std::vector<std::string> texts = hostile_texts(marker);
  texts.push_back("");
  texts.push_back("0123456789 \\0411 \\1011");
  GnuplotScript script;
  script.add("set print " + gnuplot_quote(printed));
  std::string expected;
  for (const std::string& text : texts) {
    script.add("print " + gnuplot_quote(text));
    expected += text + "\n";
  }
  script.add("unset print");
  script.add("plot x");
  render_png(path("print.png"), script, {64, 48});
  EXPECT_EQ(read_bytes(printed), expected);
  EXPECT_FALSE(fs::exists(marker));
}

TEST_F(GnuplotPlots, RenderWritesThePngAtTheRequestedSizeAndCleansUp) {
  const ScopedEnv tmpdir("TMPDIR", path(""));  // render_png's private directory goes here
  GnuplotScript script;
  const std::string data = script.add_data("1 1\n2 4\n3 9\n");
  script.add("plot " + data + " using 1:2 with lines lw 3");
  render_png(path("out.png"), script, {321, 123});
  EXPECT_EQ(png_size(path("out.png"))->width, 321u);
  EXPECT_EQ(png_size(path("out.png"))->height, 123u);
  std::vector<std::string> left;
  for (const auto& entry : fs::directory_iterator(dir_)) left.push_back(entry.path().filename().string());
  EXPECT_EQ(left, std::vector<std::string>{"out.png"});  // no temporary directory or file remains
}

TEST_F(GnuplotPlots, GnuplotErrorsIncludeItsMessagesAndKeepTheOldFile) {
  const std::string out = path("old.png");
  std::ofstream(out) << "old content";
  GnuplotScript script;
  script.add("frobnicate 42");
  const std::string message = error_of([&] { render_png(out, script, {100, 100}); });
  EXPECT_EQ(message.rfind(out + ": gnuplot failed (exit code 1): ", 0), 0u) << message;
  EXPECT_NE(message.find("frobnicate 42"), std::string::npos) << message;
  EXPECT_EQ(read_bytes(out), "old content");

  GnuplotScript nothing;  // a script that draws nothing writes no image
  nothing.add("print 1");
  EXPECT_EQ(error_of([&] { render_png(out, nothing, {100, 100}); }).rfind(out + ": gnuplot wrote no PNG image", 0), 0u);
  EXPECT_EQ(read_bytes(out), "old content");
}

TEST_F(GnuplotPlots, MissingGnuplotIsAClearError) {
  fs::create_directory(path("empty_bin"));
  const std::string out = path("kept.png");
  std::ofstream(out) << "old content";
  {
    const ScopedEnv no_gnuplot("PATH", path("empty_bin"));
    const ScopedEnv tmpdir("TMPDIR", path("empty_bin"));
    EXPECT_EQ(error_of([&] { plot_image_grid(out, {solid(0, "0")}, 1, 1, "t"); }),
              "gnuplot not found: install gnuplot-nox (scripts/bootstrap does)");
    EXPECT_TRUE(fs::is_empty(path("empty_bin")));  // the private directory was removed
  }
  EXPECT_EQ(read_bytes(out), "old content");
}

TEST_F(GnuplotPlots, UnwritableTargetErrorsAndKeepsTheExistingFile) {
  const std::string out = path("ro/plot.png");
  fs::create_directory(path("ro"));
  std::ofstream(out) << "old content";
  // A read-only directory stops everyone but root; for root (CI), a directory squatting on the
  // temporary name write_file_atomic uses beside the target makes the write fail the same way.
  fs::create_directory(out + ".tmp." + std::to_string(::getpid()));
  fs::permissions(path("ro"), fs::perms::owner_read | fs::perms::owner_exec);
  const std::string message = error_of([&] { plot_image_grid(out, {solid(0, "0")}, 1, 1, "t"); });
  fs::permissions(path("ro"), fs::perms::owner_all);
  EXPECT_EQ(message.rfind(out + ": cannot write (", 0), 0u) << message;
  EXPECT_EQ(read_bytes(out), "old content");

  EXPECT_EQ(error_of([&] { plot_image_grid(path("no_such_dir/plot.png"), {solid(0, "0")}, 1, 1, "t"); }),
            path("no_such_dir/plot.png") + ": cannot write (No such file or directory)");
}

TEST_F(GnuplotPlots, SizeOutOfRangeIsRefused) {
  GnuplotScript script;
  script.add("plot x");
  EXPECT_EQ(error_of([&] {
              render_png(path("a.png"), script, {8, 100});
            }),
            path("a.png") + ": image size 8x100 pixels; each side must be in [16, 10000]");
  EXPECT_FALSE(fs::exists(path("a.png")));
}

// ---- image grid -------------------------------------------------------------------------------------
TEST_F(GnuplotPlots, ImageGridDrawsEachSampleInItsCell) {
  const std::string out = path("grid.png");
  plot_image_grid(out, {solid(0, "black"), solid(255, "white")}, 1, 2, "two samples", {400, 250});
  ASSERT_TRUE(png_size(out));
  EXPECT_EQ(png_size(out)->width, 400u);
  EXPECT_EQ(png_size(out)->height, 250u);
  const GrayImage image = read_image(out);
  EXPECT_GT(count_pixels(image, 0, 40), 1000u);     // the black sample
  EXPECT_GT(count_pixels(image, 215, 255), 1000u);  // background and the white sample
  // Cell centres: x at a quarter and three quarters of the width, y in the middle of the image
  // area (below the 6 + 40 + 24 pixels of margin, title and caption, above the 6 of margin).
  const std::size_t y = (70 + 250 - 6) / 2;
  EXPECT_LT(mean_around(image, 100, y, 20), 10.0);
  EXPECT_GT(mean_around(image, 300, y, 20), 245.0);
}

TEST_F(GnuplotPlots, ImageGridDefaultSizeAndFashionMnistLikeSamples) {
  std::vector<GrayImageSample> samples;
  for (int i = 0; i < 23; ++i) {  // fewer than 5×5: the last cells stay empty
    GrayImageSample s = solid(0, "Ankle boot");
    for (std::size_t p = 0; p < s.image.pixels.size(); ++p) s.image.pixels[p] = static_cast<std::uint8_t>(p * 7 + i);
    samples.push_back(std::move(s));
  }
  const std::string out = path("grid25.png");
  plot_image_grid(out, samples, 5, 5, "fashion-mnist train (seed 0)");
  EXPECT_EQ(png_size(out)->width, 662u);
  EXPECT_EQ(png_size(out)->height, 822u);
  plot_image_grid(path("untitled.png"), samples, 5, 5, "");
  EXPECT_EQ(png_size(path("untitled.png"))->height, 782u);
  GrayImageSample wide{.image = {.width = 3, .height = 2, .pixels = {0, 128, 255, 255, 128, 0}}, .caption = "3x2"};
  plot_image_grid(path("wide.png"), {wide}, 1, 1, "any size");
  EXPECT_TRUE(png_size(path("wide.png")));
}

TEST_F(GnuplotPlots, ImageGridInputErrors) {
  const std::string out = path("bad.png");
  EXPECT_EQ(error_of([&] { plot_image_grid(out, {solid(0, "a")}, 0, 3, "t"); }),
            out + ": an image grid needs at least one row and one column, got 0x3");
  EXPECT_EQ(error_of([&] { plot_image_grid(out, {}, 1, 1, "t"); }), out + ": no images to draw");
  EXPECT_EQ(error_of([&] {
              plot_image_grid(out, {solid(0, "a"), solid(0, "b"), solid(0, "c")}, 1, 2, "t");
            }),
            out + ": 3 images do not fit a 1x2 grid");
  GrayImageSample torn = solid(0, "a");
  torn.image.pixels.pop_back();
  EXPECT_EQ(error_of([&] {
              plot_image_grid(out, {solid(0, "a"), torn}, 1, 2, "t");
            }),
            out + ": image 1 is 28x28 but has 783 pixels");
  EXPECT_FALSE(fs::exists(out));
}

// ---- learning curves --------------------------------------------------------------------------------
TEST_F(GnuplotPlots, LearningCurvesOnePanelPerMetric) {
  const std::map<std::string, std::vector<double>> history{
      {"loss", {0.9, 0.5, 0.35, 0.3}},
      {"val_loss", {0.8, 0.55, 0.45, 0.44}},
      {"accuracy", {0.7, 0.85, 0.9, 0.92}},
      {"val_accuracy", {0.72, 0.83, NAN, 0.88}},
  };
  const std::string out = path("curves.png");
  plot_learning_curves(out, history, "mnist_mlp");
  EXPECT_EQ(png_size(out)->width, 2 * 560u);
  EXPECT_EQ(png_size(out)->height, 420u + 40u);
  plot_learning_curves(out, history, "", {900, 400});
  EXPECT_EQ(png_size(out)->width, 900u);
  EXPECT_EQ(png_size(out)->height, 400u);
  const GrayImage image = read_image(out);
  EXPECT_GT(count_pixels(image, 0, 60), 200u);        // axes, tics and text
  EXPECT_GT(count_pixels(image, 80, 180), 200u);      // the two curves (blue ≈ 100, orange ≈ 142 gray)
  EXPECT_GT(count_pixels(image, 250, 255), 100000u);  // white background
}

TEST_F(GnuplotPlots, LearningCurvesEdgeCases) {
  // One epoch, a diverged loss (no finite value), and a validation metric alone: still a plot.
  const std::map<std::string, std::vector<double>> history{
      {"loss", {INFINITY}}, {"val_loss", {NAN}}, {"val_auc", {0.5}}, {"lr", {}}};
  plot_learning_curves(path("edge.png"), history, "edge");
  EXPECT_EQ(png_size(path("edge.png"))->width, 2 * 560u);
  EXPECT_EQ(error_of([&] {
              plot_learning_curves(path("none.png"), {{"loss", {}}}, "t");
            }),
            path("none.png") + ": the training history has no values to plot");
  EXPECT_EQ(error_of([&] { plot_learning_curves(path("none.png"), {}, "t"); }),
            path("none.png") + ": the training history has no values to plot");
}

// ---- line plots -------------------------------------------------------------------------------------
TEST_F(GnuplotPlots, LinePlotLogXWithMarker) {
  LineSeries loss{.name = "loss", .x = {}, .y = {}};
  for (int i = 0; i <= 60; ++i) {
    const double lr = 1e-6 * std::pow(10.0, i / 10.0);
    loss.x.push_back(lr);
    loss.y.push_back(i == 60 ? INFINITY : 2.3 - std::exp(-std::pow(std::log10(lr) + 2, 2)));
  }
  const std::string out = path("lines.png");
  plot_lines(out, {.title = "learning-rate finder",
                   .x_label = "learning rate",
                   .y_label = "loss",
                   .series = {loss, {.name = "smoothed", .x = {1e-5, 1e-3, 1e-1}, .y = {2.3, 1.4, 1.9}}},
                   .log_x = true,
                   .marker = XMarker{.x = 1e-3, .label = "suggested: 1e-3"},
                   .size = {640, 480}});
  EXPECT_EQ(png_size(out)->width, 640u);
  EXPECT_EQ(png_size(out)->height, 480u);
  const GrayImage image = read_image(out);
  EXPECT_GT(count_pixels(image, 0, 60), 200u);
  EXPECT_GT(count_pixels(image, 80, 160), 200u);  // the curves and the red marker (gray ≈ 83)
  plot_lines(path("default.png"), {.series = {{.name = "y", .x = {1, 2}, .y = {NAN, NAN}}}});
  EXPECT_EQ(png_size(path("default.png"))->width, 800u);
  EXPECT_EQ(png_size(path("default.png"))->height, 600u);
}

TEST_F(GnuplotPlots, LinePlotInputErrors) {
  const std::string out = path("bad.png");
  EXPECT_EQ(error_of([&] { plot_lines(out, {}); }), out + ": a line plot needs at least one series");
  EXPECT_EQ(error_of([&] {
              plot_lines(out, {.series = {{.name = "a", .x = {1, 2}, .y = {1}}}});
            }),
            out + ": series 0 ('a') has 2 x values and 1 y values");
  EXPECT_EQ(error_of([&] { plot_lines(out, {.series = {{.name = "a", .x = {}, .y = {}}}}); }),
            out + ": series 0 ('a') has no points");
  EXPECT_EQ(error_of([&] {
              plot_lines(out, {.series = {{.name = "a", .x = {1, 0}, .y = {1, 2}}}, .log_x = true});
            }),
            out + ": series 0 ('a') x[1] is 0; x values must be finite and positive on a logarithmic x axis");
  EXPECT_EQ(error_of([&] {
              plot_lines(out,
                         {.series = {{.name = "a", .x = {1}, .y = {1}}}, .marker = XMarker{.x = NAN, .label = ""}});
            }),
            out + ": the marker's x is NaN; x values must be finite");
  EXPECT_FALSE(fs::exists(out));
}

// ---- hostile text everywhere -------------------------------------------------------------------------
TEST_F(GnuplotPlots, HostileTextIsDrawnNotRun) {
  const std::string marker = path("pwned");
  const std::vector<std::string> texts = hostile_texts(marker);
  std::vector<GrayImageSample> samples;
  for (const std::string& text : texts) samples.push_back(solid(128, text));
  for (const std::string& text : texts) {
    SCOPED_TRACE(text);
    plot_image_grid(path("grid.png"), samples, 3, 4, text);
    plot_learning_curves(path("curves.png"), {{text, {1, 2}}, {"val_" + text, {2, 3}}}, text);
    plot_lines(path("lines.png"), {.title = text,
                                   .x_label = text,
                                   .y_label = text,
                                   .series = {{.name = text, .x = {1, 2}, .y = {3, 4}}},
                                   .marker = XMarker{.x = 1.5, .label = text}});
    EXPECT_TRUE(png_size(path("grid.png")));
    EXPECT_TRUE(png_size(path("curves.png")));
    EXPECT_TRUE(png_size(path("lines.png")));
  }
  EXPECT_FALSE(fs::exists(marker));
}

}  // namespace
}  // namespace mlp
