// The extension module `peakscope._core`: the core library's engines for Python.
#include <pybind11/pybind11.h>

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "peakscope's engines (the C++ core); use the `peakscope` package, not this module.";
  m.attr("__version__") = PEAKSCOPE_VERSION;
}
