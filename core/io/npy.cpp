#include "core/io/npy.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <stdexcept>

#include "core/io/output_file.hpp"

namespace peakscope::io {
namespace {

[[noreturn]] void fail(const std::string& what, const std::string& why) {
  throw std::runtime_error(what + ": " + why);
}

// A tiny parser for the header dict: {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
struct HeaderParser {
  const std::string& s;
  const std::string& what;
  std::size_t i = 0;
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
  }
  void expect(char c) {
    ws();
    if (i >= s.size() || s[i] != c)
      fail(what, std::string("malformed header: expected '") + c + "' at offset " +
                     std::to_string(i) + " in " + s);
    ++i;
  }
  bool peek(char c) {
    ws();
    return i < s.size() && s[i] == c;
  }
  std::string str() {
    ws();
    if (i >= s.size() || (s[i] != '\'' && s[i] != '"'))
      fail(what, "malformed header: expected a string in " + s);
    const char q = s[i++];
    const std::size_t j = s.find(q, i);
    if (j == std::string::npos) fail(what, "malformed header: unterminated string");
    std::string r = s.substr(i, j - i);
    i = j + 1;
    return r;
  }
  bool boolean() {
    ws();
    if (s.compare(i, 4, "True") == 0) {
      i += 4;
      return true;
    }
    if (s.compare(i, 5, "False") == 0) {
      i += 5;
      return false;
    }
    fail(what, "malformed header: fortran_order must be True or False");
  }
  std::vector<std::size_t> tuple() {
    expect('(');
    std::vector<std::size_t> dims;
    while (!peek(')')) {
      ws();
      std::size_t v = 0;
      bool any = false;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        const std::size_t d = static_cast<std::size_t>(s[i] - '0');
        if (v > (std::numeric_limits<std::size_t>::max() - d) / 10)
          fail(what, "shape dimension overflows");
        v = v * 10 + d;
        ++i;
        any = true;
      }
      if (!any) fail(what, "malformed header: shape must be a tuple of non-negative integers");
      dims.push_back(v);
      if (peek(','))
        ++i;
      else if (!peek(')'))
        fail(what, "malformed header: expected ',' or ')' in shape");
    }
    expect(')');
    return dims;
  }
};

std::size_t item_size(const std::string& kind) {
  if (kind == "f4") return 4;
  if (kind == "f2") return 2;
  if (kind == "f8") return 8;
  if (kind == "u1" || kind == "b1" || kind == "i1") return 1;
  return 0;
}

template <typename T>
T load(const std::uint8_t* p, bool swap) {
  T v;
  std::memcpy(&v, p, sizeof(T));
  if (swap) {
    if constexpr (sizeof(T) == 2) v = static_cast<T>(__builtin_bswap16(v));
    if constexpr (sizeof(T) == 4) v = __builtin_bswap32(v);
    if constexpr (sizeof(T) == 8) v = __builtin_bswap64(v);
  }
  return v;
}

}  // namespace

std::size_t NpyArray::elements() const {
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  return n;
}

float half_to_float(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ffu;
  std::uint32_t bits;
  if (exp == 0) {
    if (man == 0) {
      bits = sign;
    } else {  // subnormal half: normalise
      float f = std::ldexp(static_cast<float>(man), -24);
      return sign ? -f : f;
    }
  } else if (exp == 31) {
    bits = sign | 0x7f800000u | (man << 13);
  } else {
    bits = sign | ((exp + 112) << 23) | (man << 13);
  }
  return std::bit_cast<float>(bits);
}

std::uint16_t float_to_half(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint16_t sign = static_cast<std::uint16_t>((x >> 16) & 0x8000u);
  const std::uint32_t exp = (x >> 23) & 0xff;
  std::uint32_t man = x & 0x7fffffu;
  if (exp == 255) return static_cast<std::uint16_t>(sign | 0x7c00u | (man ? 0x200u : 0));
  const int e = static_cast<int>(exp) - 127 + 15;
  if (e >= 31) return static_cast<std::uint16_t>(sign | 0x7c00u);
  if (e <= 0) {
    if (e < -10) return sign;
    man |= 0x800000u;
    const int shift = 14 - e;
    std::uint32_t h = man >> shift;
    if ((man >> (shift - 1)) & 1u) ++h;  // round half up
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = (static_cast<std::uint32_t>(e) << 10) | (man >> 13);
  if (man & 0x1000u) ++h;  // round half up (carry into the exponent is correct)
  return static_cast<std::uint16_t>(sign | h);
}

namespace {

// Reads the fixed preamble (magic, version, header length). Needs the first 10 bytes (12 for
// versions 2 and 3); returns {offset of the header text, its length}.
std::pair<std::size_t, std::size_t> preamble(const std::uint8_t* data, std::size_t size,
                                             const std::string& what) {
  static const std::uint8_t kMagic[6] = {0x93, 'N', 'U', 'M', 'P', 'Y'};
  if (size < 10 || std::memcmp(data, kMagic, 6) != 0) fail(what, "not a .npy file (bad magic)");
  const int major = data[6];
  if (major == 1)
    return {10, static_cast<std::size_t>(data[8]) | (static_cast<std::size_t>(data[9]) << 8)};
  if (major == 2 || major == 3) {
    if (size < 12) fail(what, "truncated header");
    return {12, static_cast<std::size_t>(data[8]) | (static_cast<std::size_t>(data[9]) << 8) |
                    (static_cast<std::size_t>(data[10]) << 16) |
                    (static_cast<std::size_t>(data[11]) << 24)};
  }
  fail(what,
       "unsupported .npy format version " + std::to_string(major) + "." + std::to_string(data[7]));
}

struct Header {
  std::string descr;
  bool fortran_order = false;
  std::vector<std::size_t> shape;
  std::string kind;  // "f4", "f2", "f8", "u1"
  std::size_t item = 0, elements = 0, bytes = 0;
  bool swap = false;
};

Header parse_header(std::string header, const std::string& what) {
  while (!header.empty() &&
         (header.back() == '\n' || header.back() == ' ' || header.back() == '\0'))
    header.pop_back();
  Header h;
  bool has_descr = false, has_order = false, has_shape = false;
  HeaderParser p{header, what};
  p.expect('{');
  while (!p.peek('}')) {
    const std::string key = p.str();
    p.expect(':');
    if (key == "descr") {
      h.descr = p.str();
      has_descr = true;
    } else if (key == "fortran_order") {
      h.fortran_order = p.boolean();
      has_order = true;
    } else if (key == "shape") {
      h.shape = p.tuple();
      has_shape = true;
    } else {
      fail(what, "unknown header field '" + key + "'");
    }
    if (p.peek(','))
      ++p.i;
    else if (!p.peek('}'))
      fail(what, "malformed header: expected ',' or '}'");
  }
  p.expect('}');
  p.ws();
  if (p.i != header.size()) fail(what, "malformed header: text after the dict");
  if (!has_descr || !has_order || !has_shape)
    fail(what, "header lacks one of 'descr', 'fortran_order', 'shape'");

  if (h.descr.size() != 3 ||
      (h.descr[0] != '<' && h.descr[0] != '>' && h.descr[0] != '|' && h.descr[0] != '='))
    fail(what, "unsupported dtype '" + h.descr + "' (expected float32, float16, float64 or uint8)");
  h.kind = h.descr.substr(1);
  h.item = item_size(h.kind);
  if (h.item == 0 || h.kind == "b1" || h.kind == "i1")
    fail(what, "unsupported dtype '" + h.descr + "' (expected float32, float16, float64 or uint8)");
  const bool big =
      h.descr[0] == '>' || (h.descr[0] == '=' && std::endian::native == std::endian::big);
  h.swap = h.item > 1 && (big != (std::endian::native == std::endian::big));

  std::size_t n = 1;
  for (std::size_t d : h.shape) {
    if (d != 0 && n > std::numeric_limits<std::size_t>::max() / d)
      fail(what, "shape's element count overflows");
    n *= d;
  }
  if (n > std::numeric_limits<std::size_t>::max() / h.item)
    fail(what, "shape's byte count overflows");
  h.elements = n;
  h.bytes = n * h.item;
  return h;
}

std::string size_problem(std::size_t have, std::size_t need) {
  return "data is " + std::to_string(have) + " bytes but shape and dtype need " +
         std::to_string(need) + (need > have ? " (truncated file)" : " (trailing bytes)");
}

const char* dtype_name(const std::string& kind) {
  if (kind == "f4") return "float32";
  if (kind == "f2") return "float16";
  if (kind == "f8") return "float64";
  return "uint8";
}

// Converts the data (exactly h.bytes at src) to a C-order float32 or uint8 array.
NpyArray convert(const Header& h, const std::uint8_t* src) {
  NpyArray a;
  a.shape = h.shape;
  a.descr = h.descr;
  a.dtype = dtype_name(h.kind);
  a.fortran_order = h.fortran_order;
  const std::size_t n = h.elements, isz = h.item;
  // Element i of the file in C order: with Fortran order, the file's linear index of C-order
  // multi-index (i0..ik) is sum i_j * prod_{l<j} shape_l.
  std::vector<std::size_t> fstride(a.shape.size(), 1);
  for (std::size_t j = 1; j < a.shape.size(); ++j) fstride[j] = fstride[j - 1] * a.shape[j - 1];
  auto file_index = [&](std::size_t c_index) {
    if (!a.fortran_order || a.shape.size() < 2) return c_index;
    std::size_t r = 0;
    for (std::size_t j = a.shape.size(); j-- > 0;) {
      r += (c_index % a.shape[j]) * fstride[j];
      c_index /= a.shape[j];
    }
    return r;
  };
  if (h.kind == "u1") {
    a.is_uint8 = true;
    a.u8.resize(n);
    for (std::size_t i = 0; i < n; ++i) a.u8[i] = src[file_index(i)];
    return a;
  }
  a.narrowed = h.kind == "f8";
  a.f32.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    const std::uint8_t* e = src + file_index(i) * isz;
    if (h.kind == "f4") {
      a.f32[i] = std::bit_cast<float>(load<std::uint32_t>(e, h.swap));
    } else if (h.kind == "f8") {
      const double d = std::bit_cast<double>(load<std::uint64_t>(e, h.swap));
      a.f32[i] = static_cast<float>(d);
      if (std::isfinite(d) && !std::isfinite(a.f32[i])) ++a.overflowed;
    } else {
      a.f32[i] = half_to_float(load<std::uint16_t>(e, h.swap));
    }
  }
  return a;
}

// Reads and parses the preamble and header through read_some(dst, n) -> bytes read (the
// file's start); *data_offset gets where the data starts. The messages of read_npy.
template <typename ReadSome>
Header read_header(ReadSome&& read_some, const std::string& path, std::size_t* data_offset) {
  std::uint8_t pre[12] = {};
  std::size_t got = read_some(pre, 10);
  if (got == 10 && pre[6] >= 2) got += read_some(pre + 10, 2);
  const auto [pos, header_len] = preamble(pre, got, path);
  constexpr std::size_t kMaxHeader = 1u << 20;
  if (header_len > kMaxHeader)
    fail(path,
         "header of " + std::to_string(header_len) + " bytes (more than 1 MiB: not a heatmap)");
  std::string header(header_len, '\0');
  if (read_some(reinterpret_cast<std::uint8_t*>(header.data()), header_len) != header_len)
    fail(path, "truncated header (" + std::to_string(header_len) + " bytes announced)");
  *data_offset = pos + header_len;
  return parse_header(std::move(header), path);
}

}  // namespace

NpyArray parse_npy(const std::uint8_t* data, std::size_t size, const std::string& what) {
  const auto [pos, header_len] = preamble(data, size, what);
  if (header_len > size - pos)
    fail(what, "truncated header (" + std::to_string(header_len) + " bytes announced)");
  const Header h =
      parse_header(std::string(reinterpret_cast<const char*>(data + pos), header_len), what);
  const std::size_t have = size - pos - header_len;
  if (h.bytes != have) fail(what, size_problem(have, h.bytes));
  return convert(h, data + pos + header_len);
}

NpyArray read_npy(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (fs::is_directory(path, ec)) fail(path, "is a directory, not a .npy file");
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, fs::exists(path, ec) ? "cannot open (permission?)" : "no such file");
  // Read only what the header declares, so a device or a FIFO that never ends (/dev/zero)
  // costs at most the header and the declared data plus one byte.
  auto read_some = [&](std::uint8_t* dst, std::size_t n) {
    in.read(reinterpret_cast<char*>(dst), static_cast<std::streamsize>(n));
    return static_cast<std::size_t>(in.gcount());
  };
  std::size_t data_offset = 0;
  const Header h = read_header(read_some, path, &data_offset);
  // Grow the buffer as data arrives: a lying shape fails as truncated, without a huge
  // allocation up front.
  std::vector<std::uint8_t> data;
  constexpr std::size_t kChunk = std::size_t{64} << 20;
  while (data.size() < h.bytes) {
    const std::size_t want = std::min(kChunk, h.bytes - data.size()), at = data.size();
    data.resize(at + want);
    const std::size_t n = read_some(data.data() + at, want);
    data.resize(at + n);
    if (n < want) fail(path, size_problem(data.size(), h.bytes));
  }
  char extra;
  if (in.read(&extra, 1).gcount() == 1) {
    // Count what follows, bounded: a FIFO may never end.
    std::size_t more = 1;
    char buf[4096];
    while (more < (std::size_t{1} << 20) && in.read(buf, sizeof buf).gcount() > 0)
      more += static_cast<std::size_t>(in.gcount());
    fail(path, "data is " + std::string(more >= (std::size_t{1} << 20) ? "more than " : "") +
                   std::to_string(h.bytes + more) + " bytes but shape and dtype need " +
                   std::to_string(h.bytes) + " (trailing bytes)");
  }
  return convert(h, data.data());
}

// ---------------------------------------------------------------------------------------
// NpyStream
// ---------------------------------------------------------------------------------------

std::unique_ptr<NpyStream> NpyStream::open(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  std::unique_ptr<NpyStream> s(new NpyStream);
  s->fd_ = fd;
  s->path_ = path;
  std::size_t at = 0;
  auto read_some = [&](std::uint8_t* dst, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
      const ssize_t r = ::pread(fd, dst + got, n - got, static_cast<off_t>(at + got));
      if (r < 0 && errno == EINTR) continue;
      if (r <= 0) break;
      got += static_cast<std::size_t>(r);
    }
    at += got;
    return got;
  };
  const Header h = read_header(read_some, path, &s->data_offset_);
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) return nullptr;
  const auto size = static_cast<std::size_t>(st.st_size);
  // Fortran order (more than one dimension) or a size that disagrees: read_npy's way.
  if ((h.fortran_order && h.shape.size() > 1) || size < s->data_offset_ ||
      size - s->data_offset_ != h.bytes)
    return nullptr;
  s->size_ = st.st_size;
  s->mtime_ns_ = static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  s->descr_ = h.descr;
  s->kind_ = h.kind;
  s->dtype_ = dtype_name(h.kind);
  s->shape_ = h.shape;
  s->item_ = h.item;
  s->elements_ = h.elements;
  s->swap_ = h.swap;
  return s;
}

NpyStream::~NpyStream() {
  if (fd_ >= 0) ::close(fd_);
}

void NpyStream::check_unchanged() const {
  struct stat st {};
  if (::fstat(fd_, &st) != 0) fail(path_, std::string("cannot stat: ") + std::strerror(errno));
  const long long mtime =
      static_cast<long long>(st.st_mtim.tv_sec) * 1000000000LL + st.st_mtim.tv_nsec;
  if (st.st_size != size_ || mtime != mtime_ns_)
    fail(path_,
         "the file changed while being read (rewritten since it was opened: its size or "
         "modification time differs); open it again");
}

void NpyStream::read_bytes(std::size_t offset, std::size_t n, std::uint8_t* dst) {
  constexpr std::size_t kMaxRead = std::size_t{16} << 20;
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd_, dst + got, std::min(kMaxRead, n - got),
                              static_cast<off_t>(data_offset_ + offset + got));
    if (r < 0 && errno == EINTR) continue;
    if (r < 0) fail(path_, std::string("read failed: ") + std::strerror(errno));
    if (r == 0)
      fail(path_, "the file is shorter than when it was opened (it shrank while being read)");
    got += static_cast<std::size_t>(r);
  }
}

void NpyStream::read(std::size_t first, std::size_t count, std::uint8_t* dst) {
  if (kind_ != "u1") throw std::logic_error(path_ + ": NpyStream::read of uint8 from a float file");
  if (first > elements_ || count > elements_ - first)
    throw std::out_of_range(path_ + ": NpyStream::read beyond the array");
  check_unchanged();
  read_bytes(first, count, dst);
  check_unchanged();  // a rewrite during the read mixed two files' bytes
}

void NpyStream::read(std::size_t first, std::size_t count, float* dst) {
  if (kind_ == "u1")
    throw std::logic_error(path_ + ": NpyStream::read of floats from a uint8 file");
  if (first > elements_ || count > elements_ - first)
    throw std::out_of_range(path_ + ": NpyStream::read beyond the array");
  check_unchanged();
  read_floats(first, count, dst);
  check_unchanged();  // a rewrite during the read mixed two files' bytes
}

void NpyStream::read_floats(std::size_t first, std::size_t count, float* dst) {
  if (kind_ == "f4" && !swap_) {  // straight into dst
    read_bytes(first * 4, count * 4, reinterpret_cast<std::uint8_t*>(dst));
    return;
  }
  // Big-endian float32, float16 and float64: through a bounded buffer, converted as convert()
  // does (never read back from dst: it may be write-combined GPU staging memory).
  constexpr std::size_t kChunk = std::size_t{1} << 18;  // elements
  bounce_.resize(std::min(count, kChunk) * item_);
  for (std::size_t done = 0; done < count;) {
    const std::size_t n = std::min(kChunk, count - done);
    read_bytes((first + done) * item_, n * item_, bounce_.data());
    float* out = dst + done;
    if (kind_ == "f4") {
      for (std::size_t i = 0; i < n; ++i)
        out[i] = std::bit_cast<float>(load<std::uint32_t>(bounce_.data() + i * 4, swap_));
    } else if (kind_ == "f8") {
      for (std::size_t i = 0; i < n; ++i) {
        const double d = std::bit_cast<double>(load<std::uint64_t>(bounce_.data() + i * 8, swap_));
        out[i] = static_cast<float>(d);
        if (std::isfinite(d) && !std::isfinite(out[i])) ++overflowed_;
      }
    } else {
      for (std::size_t i = 0; i < n; ++i)
        out[i] = half_to_float(load<std::uint16_t>(bounce_.data() + i * 2, swap_));
    }
    done += n;
  }
}

void write_npy(const std::string& path, const std::vector<std::size_t>& shape,
               const std::vector<float>& values, const std::string& dtype, bool fortran,
               bool big_endian) {
  const std::size_t isz = item_size(dtype);
  if (isz == 0) throw std::invalid_argument("write_npy: unsupported dtype " + dtype);
  std::size_t n = 1;
  for (std::size_t d : shape) n *= d;
  if (values.size() != n) throw std::invalid_argument("write_npy: values do not match the shape");
  std::string shp = "(";
  for (std::size_t d : shape) shp += std::to_string(d) + ", ";
  if (shape.size() > 1)
    shp.resize(shp.size() - 2);
  else if (shape.size() == 1)
    shp.resize(shp.size() - 1);
  shp += ")";
  const char order = isz == 1 ? '|' : (big_endian ? '>' : '<');
  std::string header = std::string("{'descr': '") + order + dtype +
                       "', 'fortran_order': " + (fortran ? "True" : "False") + ", 'shape': " + shp +
                       ", }";
  const std::size_t total = 10 + header.size() + 1;
  header.append((64 - total % 64) % 64, ' ');
  header += '\n';
  std::string out = "\x93NUMPY";
  out += '\x01';
  out += '\x00';
  out += static_cast<char>(header.size() & 0xff);
  out += static_cast<char>(header.size() >> 8);
  out += header;
  // C-order multi-index -> Fortran file position.
  std::vector<std::size_t> fstride(shape.size(), 1);
  for (std::size_t j = 1; j < shape.size(); ++j) fstride[j] = fstride[j - 1] * shape[j - 1];
  std::vector<std::uint8_t> data(n * isz);
  const bool swap = isz > 1 && (big_endian != (std::endian::native == std::endian::big));
  for (std::size_t i = 0; i < n; ++i) {
    std::size_t fi = i;
    if (fortran && shape.size() > 1) {
      fi = 0;
      std::size_t c = i;
      for (std::size_t j = shape.size(); j-- > 0;) {
        fi += (c % shape[j]) * fstride[j];
        c /= shape[j];
      }
    }
    std::uint8_t* e = data.data() + fi * isz;
    const float v = values[i];
    if (dtype == "u1") {
      *e = static_cast<std::uint8_t>(std::lround(std::fmin(std::fmax(v, 0.f), 255.f)));
    } else if (dtype == "f4") {
      std::uint32_t b = std::bit_cast<std::uint32_t>(v);
      if (swap) b = __builtin_bswap32(b);
      std::memcpy(e, &b, 4);
    } else if (dtype == "f8") {
      std::uint64_t b = std::bit_cast<std::uint64_t>(static_cast<double>(v));
      if (swap) b = __builtin_bswap64(b);
      std::memcpy(e, &b, 8);
    } else {
      std::uint16_t b = float_to_half(v);
      if (swap) b = __builtin_bswap16(b);
      std::memcpy(e, &b, 2);
    }
  }
  OutputFile f(path);  // the one writer: atomic for a file, direct into a FIFO
  f.stream().write(out.data(), static_cast<std::streamsize>(out.size()));
  f.stream().write(reinterpret_cast<const char*>(data.data()),
                   static_cast<std::streamsize>(data.size()));
  f.commit();
}

}  // namespace peakscope::io
