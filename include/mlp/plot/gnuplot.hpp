// SPDX-License-Identifier: MIT
#pragma once
// Drawing PNGs with gnuplot (Debian package gnuplot-nox, its pngcairo terminal): the one place that
// runs the plotting program. plots.hpp builds the scripts; this file runs them.
//
// How a plot is made. A GnuplotScript holds the commands and the data files they read. render_png
// makes a private temporary directory (mkdtemp under $TMPDIR), writes the data files and the script
// there, runs `gnuplot script.gp` found through PATH (posix_spawnp: no shell, no command string),
// with stdin from /dev/null and stdout + stderr captured in a file of that directory. gnuplot draws
// into that directory too; the PNG is then checked (PNG signature) and written to its target with
// write_file_atomic (io/files.hpp: a temporary file beside the target, fsync, rename), so the
// target is either the old file or the complete new image, and the user's path never appears in
// the script. The directory is removed afterwards, on success and on every error.
//
// User text (titles, labels, class names from user CSV files) goes into a script only through
// gnuplot_quote, and the terminal is `noenhanced`, so that text is drawn as it is written.
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mlp {

/// A PNG's size in pixels. In the plots of plots.hpp, 0 in a field means "chosen from the content".
struct ImageSize {
  std::size_t width = 0, height = 0;
};

/// A gnuplot double-quoted string literal holding `text` byte for byte: ASCII letters and spaces as
/// they are, every other byte as a three-digit octal escape (\ooo; digits too, because gnuplot 5.4
/// reads up to four digits after "\0"), NUL bytes dropped (gnuplot strings end at NUL). No quote,
/// backquote (command substitution), '@' (macro), '#' or ';' reaches gnuplot's scanner, so no text
/// can end the string or run anything; UTF-8 passes through (é is "\303\251") and a newline
/// becomes a line break in the drawn text. Single quotes are not used: gnuplot 5.4 reads '' as a
/// quote only after another character, so doubling quotes is no safe escape there.
std::string gnuplot_quote(std::string_view text);

/// `value` as gnuplot reads it back exactly (shortest round-trip form, e.g. "0.1", "1e-05");
/// NaN and ±infinity become "NaN", which gnuplot treats as a missing point.
std::string gnuplot_number(double value);

/// A gnuplot program that draws one image: the commands, and the data files they read.
class GnuplotScript {
 public:
  /// Appends one line of commands (a newline is added). render_png writes the terminal, output
  /// and encoding settings before these lines. Every piece of user text in `line` must come from
  /// gnuplot_quote.
  GnuplotScript& add(std::string_view line);

  /// Registers a data file with `content` (gnuplot's text format: whitespace-separated columns,
  /// one record per line; or a matrix of values for `matrix with image`) and returns the name of
  /// the gnuplot string variable that holds its path: "data_0", "data_1", ..., used as
  /// `plot data_0 using 1:2`.
  std::string add_data(std::string content);

  /// The command lines, in order.
  const std::string& commands() const { return commands_; }
  /// The data files' contents; file i is read through the variable "data_<i>".
  const std::vector<std::string>& data() const { return data_; }

 private:
  std::string commands_;
  std::vector<std::string> data_;
};

/// Runs gnuplot on `script` with `set terminal pngcairo size W,H noenhanced` and writes the image to
/// `png_path` atomically, as described at the top of this header. Throws mlp::Error:
///  - "gnuplot not found: install gnuplot-nox (scripts/bootstrap does)" when PATH has no gnuplot;
///  - naming png_path, the exit status and gnuplot's own messages when gnuplot fails or writes no
///    PNG (e.g. a script error, or a gnuplot built without pngcairo);
///  - naming png_path and the system's reason when it cannot be written (an existing file there is
///    left as it was);
///  - when a side of `size` is outside [16, 10000] pixels.
void render_png(const std::string& png_path, const GnuplotScript& script, ImageSize size);

}  // namespace mlp
