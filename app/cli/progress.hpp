// A progress bar on stderr, drawn only when stderr is a terminal (pipes and logs stay clean).
#pragma once

namespace peakscope::cli {

class Progress {
 public:
  // total: frames expected, or <= 0 when unknown (then only the count is shown).
  explicit Progress(long total);
  // "\r[=====     ] 12/40"; nothing when stderr is not a terminal.
  void update(long done);
  // Ends the line (when something was drawn).
  void finish();

 private:
  long total_;
  bool tty_;
};

}  // namespace peakscope::cli
