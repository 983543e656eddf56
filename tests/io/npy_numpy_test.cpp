// The .npy reader against files NumPy wrote, not the project's own writer: every dtype the
// reader accepts (float32, float16, float64, uint8), both byte orders, C and Fortran order,
// format versions 1.0, 2.0 and 3.0, with NaN, +-Inf, signed zeros, denormals, float16
// subnormals and float64 values beyond float32's range. tests/io/npy_numpy_files.py writes
// them at test time with Debian's python3-numpy, next to the values NumPy converts each array to
// (astype(float32), C order): the reader must give those bit for bit, whole (read_npy) and a
// piece at a time (NpyStream, C order).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/io/npy.hpp"
#include "tests/support/run.hpp"
#include "tests/support/temp.hpp"

namespace peakscope::io {
namespace {

namespace fs = std::filesystem;

struct Expected {
  std::string name, dtype;
  bool fortran = false, narrowed = false;
  std::size_t overflowed = 0;
  std::vector<std::size_t> shape;
};

// Runs the generator once per process; fails (never skips) without python3-numpy.
const fs::path& numpy_files() {
  static const fs::path dir = [] {
    const fs::path d = peakscope::testing::temp_path("npy_numpy");
    fs::remove_all(d);
    const std::string cmd = std::string(PEAKSCOPE_NUMPY_PYTHON) + " " + PEAKSCOPE_TEST_SOURCE_DIR +
                            "/io/npy_numpy_files.py " + d.string();
    const int code = peakscope::testing::run_exit_code(cmd);
    EXPECT_EQ(code, 0) << cmd << ": needs " << PEAKSCOPE_NUMPY_PYTHON
                       << " with NumPy (python3-numpy, listed in scripts/common.sh)";
    return d;
  }();
  return dir;
}

std::vector<Expected> manifest() {
  std::vector<Expected> out;
  std::ifstream in(numpy_files() / "manifest.txt");
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Expected e;
    int f = 0, n = 0;
    std::string shape;
    ls >> e.name >> e.dtype >> f >> n >> e.overflowed >> shape;
    e.fortran = f, e.narrowed = n;
    std::stringstream ss(shape);
    for (std::string d; std::getline(ss, d, ',');) e.shape.push_back(std::stoul(d));
    out.push_back(e);
  }
  return out;
}

std::vector<std::uint8_t> bytes_of(const fs::path& p) {
  const std::string s = peakscope::testing::slurp(p);
  return {s.begin(), s.end()};
}

// Bit for bit (NaN payloads aside: any NaN for a NaN).
void expect_same_floats(const std::vector<float>& got, const std::vector<std::uint8_t>& want,
                        const std::string& what) {
  ASSERT_EQ(got.size() * 4, want.size()) << what;
  int shown = 0;
  for (std::size_t i = 0; i < got.size(); ++i) {
    float w;
    std::memcpy(&w, want.data() + 4 * i, 4);
    std::uint32_t gb, wb;
    std::memcpy(&gb, &got[i], 4);
    std::memcpy(&wb, &w, 4);
    const bool same = (w != w) ? got[i] != got[i] : gb == wb;
    if (!same && shown++ < 5)
      ADD_FAILURE() << what << " element " << i << ": " << got[i] << " (0x" << std::hex << gb
                    << "), NumPy " << w << " (0x" << wb << ")" << std::dec;
  }
  EXPECT_EQ(shown, 0) << what << ": elements differ from NumPy's";
}

TEST(NpyNumpyTest, ReadsEveryFileNumPyWroteAsNumPyConvertsIt) {
  const std::vector<Expected> files = manifest();
  // 4 dtypes x 3 shapes x 2 orders x 2 byte orders (1 for uint8) x 3 versions.
  ASSERT_EQ(files.size(), 126u);
  int fortran = 0, big = 0, v3 = 0;
  for (const Expected& e : files) {
    SCOPED_TRACE(e.name);
    const fs::path p = numpy_files() / (e.name + ".npy");
    const std::vector<std::uint8_t> want = bytes_of(numpy_files() / (e.name + ".f32"));
    const NpyArray a = read_npy(p.string());
    EXPECT_EQ(a.shape, e.shape);
    EXPECT_EQ(a.dtype, e.dtype);
    EXPECT_EQ(a.fortran_order, e.fortran);
    EXPECT_EQ(a.narrowed, e.narrowed);
    EXPECT_EQ(a.overflowed, e.overflowed);
    fortran += e.fortran;
    big += a.descr[0] == '>';
    v3 += e.name.back() == '3';
    if (e.dtype == "uint8") {
      EXPECT_TRUE(a.is_uint8);
      EXPECT_EQ(a.u8, want);
    } else {
      EXPECT_FALSE(a.is_uint8);
      expect_same_floats(a.f32, want, "read_npy");
    }
    // The same bytes parsed from memory.
    const std::vector<std::uint8_t> file = bytes_of(p);
    const NpyArray m = parse_npy(file.data(), file.size(), p.string());
    EXPECT_EQ(m.f32.size(), a.f32.size());
    EXPECT_EQ(m.u8, a.u8);
    if (!e.fortran && e.dtype != "uint8") expect_same_floats(m.f32, want, "parse_npy");
    // A C-order file streams: in two pieces, bit for bit the same.
    std::unique_ptr<NpyStream> s = NpyStream::open(p.string());
    if (e.fortran) {
      EXPECT_EQ(s, nullptr);  // read whole instead
      continue;
    }
    ASSERT_NE(s, nullptr);
    EXPECT_EQ(s->shape(), e.shape);
    EXPECT_EQ(s->dtype(), e.dtype);
    const std::size_t n = a.elements(), half = n / 2;
    if (e.dtype == "uint8") {
      std::vector<std::uint8_t> got(n);
      s->read(0, half, got.data());
      s->read(half, n - half, got.data() + half);
      EXPECT_EQ(got, want);
    } else {
      std::vector<float> got(n);
      s->read(half, n - half, got.data() + half);
      s->read(0, half, got.data());
      expect_same_floats(got, want, "NpyStream");
      EXPECT_EQ(s->overflowed(), e.overflowed);
    }
  }
  EXPECT_GT(fortran, 30);
  EXPECT_GT(big, 30);
  EXPECT_EQ(v3, 42);
}

}  // namespace
}  // namespace peakscope::io
