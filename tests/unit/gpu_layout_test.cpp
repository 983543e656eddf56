// The C++ mirror of the shaders' records (core/gpu/decode_types.hpp) against the std430
// layout that shaders/decode_types.glsl declares: the .glsl file, as embedded in the binary, is
// parsed here and laid out by the std430 rules, so a field added, removed, retyped or
// reordered on one side only fails.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "core/gpu/decode_types.hpp"
#include "shaders/shader_sources.hpp"

namespace peakscope {
namespace {

struct GlslField {
  std::string type, name;
  std::size_t offset = 0, size = 0;
};
struct GlslStruct {
  std::vector<GlslField> fields;
  std::size_t size = 0, align = 1;
};

// std430 base alignment and size of a scalar or vector type (vec3 aligns like vec4).
bool std430_type(const std::string& t, std::size_t* align, std::size_t* size) {
  static const std::map<std::string, std::size_t> scalar = {
      {"float", 4}, {"int", 4}, {"uint", 4}, {"bool", 4}, {"double", 8}};
  if (auto it = scalar.find(t); it != scalar.end()) {
    *align = *size = it->second;
    return true;
  }
  // [i|u|b|d]vecN
  const std::size_t v = t.find("vec");
  if (v == std::string::npos || v > 1 || t.size() != v + 4) return false;
  const std::string prefix = t.substr(0, v);
  if (prefix != "" && prefix != "i" && prefix != "u" && prefix != "b" && prefix != "d")
    return false;
  const char n_char = t[v + 3];
  if (n_char < '2' || n_char > '4') return false;
  const std::size_t n = static_cast<std::size_t>(n_char - '0');
  const std::size_t s = prefix == "d" ? 8 : 4;
  *size = n * s;
  *align = (n == 2 ? 2 : 4) * s;
  return true;
}

std::size_t round_up(std::size_t v, std::size_t a) {
  return (v + a - 1) / a * a;
}

std::vector<std::string> words(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char ch : s) {
    const bool word = std::isalnum(static_cast<unsigned char>(ch)) || ch == '_';
    if (word) {
      cur += ch;
    } else {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
      if (ch == '[' || ch == ']') out.emplace_back(1, ch);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Every `struct Name { type field; ... };` of the file, laid out by std430 (scalars, vectors
// and fixed-size arrays of them: std430 array stride = element size rounded to its alignment).
std::map<std::string, GlslStruct> parse_glsl(const std::string& text) {
  std::string src;  // without // comments
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) src += line.substr(0, line.find("//")) + "\n";
  std::map<std::string, GlslStruct> out;
  for (std::size_t pos = src.find("struct"); pos != std::string::npos;
       pos = src.find("struct", pos + 1)) {
    const std::size_t open = src.find('{', pos), close = src.find('}', pos);
    if (open == std::string::npos || close == std::string::npos || close < open) break;
    const std::vector<std::string> head = words(src.substr(pos, open - pos));
    if (head.size() != 2) continue;  // "struct Name"
    GlslStruct s;
    std::istringstream decls(src.substr(open + 1, close - open - 1));
    for (std::string d; std::getline(decls, d, ';');) {
      const std::vector<std::string> w = words(d);
      if (w.empty()) continue;
      const bool array = w.size() == 5 && w[2] == "[" && w[4] == "]";
      if (w.size() != 2 && !array) {
        ADD_FAILURE() << "cannot parse field '" << d << "' of struct " << head[1];
        continue;
      }
      std::size_t a = 0, sz = 0;
      if (!std430_type(w[0], &a, &sz)) {
        ADD_FAILURE() << "type " << w[0] << " not handled by this test";
        continue;
      }
      if (array) sz = round_up(sz, a) * std::stoul(w[3]);
      GlslField f{w[0], w[1], round_up(s.size, a), sz};
      s.size = f.offset + sz;
      s.align = std::max(s.align, a);
      s.fields.push_back(f);
    }
    s.size = round_up(s.size, s.align);
    out[head[1]] = s;
  }
  return out;
}

TEST(GpuLayoutTest, CppMirrorMatchesStd430OfTheGlsl) {
  const auto glsl = parse_glsl(shaders::decode_types_glsl.text);
  ASSERT_EQ(glsl.size(), std::size(gpu::kRecords)) << "a record on one side only";
  for (const gpu::RecordLayout& r : gpu::kRecords) {
    SCOPED_TRACE(r.name);
    auto it = glsl.find(r.name);
    ASSERT_NE(it, glsl.end()) << "struct " << r.name << " missing from decode_types.glsl";
    const GlslStruct& g = it->second;
    ASSERT_EQ(g.fields.size(), r.count);
    for (std::size_t i = 0; i < r.count; ++i) {
      const gpu::FieldLayout& c = r.fields[i];
      EXPECT_EQ(g.fields[i].name, c.name) << "field " << i;
      EXPECT_EQ(g.fields[i].type, c.glsl_type) << c.name;
      EXPECT_EQ(g.fields[i].offset, c.offset) << c.name;
      EXPECT_EQ(g.fields[i].size, c.size) << c.name;
    }
    EXPECT_EQ(g.size, r.size);
    EXPECT_EQ(g.align, r.align);
  }
}

// The parser and layout rules themselves, on a struct whose std430 layout is known.
TEST(GpuLayoutTest, Std430RulesOnAKnownStruct) {
  const auto s = parse_glsl(
      "struct T {\n float a; // c\n dvec2 b;\n vec3 c;\n uint d;\n vec2 e;\n float f[3];\n};\n");
  ASSERT_EQ(s.count("T"), 1u);
  const GlslStruct& t = s.at("T");
  ASSERT_EQ(t.fields.size(), 6u);
  EXPECT_EQ(t.fields[1].offset, 16u);  // dvec2 aligns to 16
  EXPECT_EQ(t.fields[2].offset, 32u);  // vec3 aligns to 16, size 12
  EXPECT_EQ(t.fields[3].offset, 44u);  // packs after the vec3
  EXPECT_EQ(t.fields[4].offset, 48u);  // vec2 aligns to 8
  EXPECT_EQ(t.fields[5].offset, 56u);  // float[3], stride 4 in std430
  EXPECT_EQ(t.align, 16u);
  EXPECT_EQ(t.size, 80u);  // 68 rounded up to 16
}

}  // namespace
}  // namespace peakscope
