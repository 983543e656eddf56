// The C++ mirror of the shaders' records (core/gpu/decode_types.hpp) against the std430
// layout that shaders/decode_types.glsl declares: the .glsl file is parsed here and laid out
// by the std430 rules, so a field added, removed, retyped or reordered on one side only fails.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "core/gpu/decode_types.hpp"

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
  static const std::regex vec(R"((|i|u|b|d)vec([234]))");
  std::smatch m;
  if (!std::regex_match(t, m, vec)) return false;
  const std::size_t n = static_cast<std::size_t>(std::stoi(m[2]));
  const std::size_t s = m[1] == "d" ? 8 : 4;
  *size = n * s;
  *align = (n == 2 ? 2 : 4) * s;
  return true;
}

std::size_t round_up(std::size_t v, std::size_t a) {
  return (v + a - 1) / a * a;
}

// Every `struct Name { type field; ... };` of the file, laid out by std430 (scalars, vectors
// and fixed-size arrays of them: std430 array stride = element size rounded to its alignment).
std::map<std::string, GlslStruct> parse_glsl(const std::string& text) {
  std::string src;  // without // comments
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) src += line.substr(0, line.find("//")) + "\n";
  std::map<std::string, GlslStruct> out;
  static const std::regex st(R"(struct\s+(\w+)\s*\{([^}]*)\}\s*;)");
  static const std::regex field(R"(^\s*(\w+)\s+(\w+)\s*(?:\[\s*(\d+)\s*\])?\s*$)");
  for (std::sregex_iterator it(src.begin(), src.end(), st), end; it != end; ++it) {
    GlslStruct s;
    std::string body = (*it)[2];
    std::istringstream decls(body);
    for (std::string d; std::getline(decls, d, ';');) {
      if (d.find_first_not_of(" \t\n") == std::string::npos) continue;
      std::smatch m;
      if (!std::regex_match(d, m, field)) {
        ADD_FAILURE() << "cannot parse field '" << d << "' of struct " << (*it)[1];
        continue;
      }
      std::size_t a = 0, sz = 0;
      if (!std430_type(m[1], &a, &sz)) {
        ADD_FAILURE() << "type " << m[1] << " not handled by this test";
        continue;
      }
      if (m[3].matched) sz = round_up(sz, a) * std::stoul(m[3]);
      GlslField f{m[1], m[2], round_up(s.size, a), sz};
      s.size = f.offset + sz;
      s.align = std::max(s.align, a);
      s.fields.push_back(f);
    }
    s.size = round_up(s.size, s.align);
    out[(*it)[1]] = s;
  }
  return out;
}

std::string read_file(const std::string& path) {
  std::ifstream f(path);
  EXPECT_TRUE(f.good()) << "cannot read " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(GpuLayoutTest, CppMirrorMatchesStd430OfTheGlsl) {
  const auto glsl = parse_glsl(read_file(PEAKSCOPE_SHADER_DIR "/decode_types.glsl"));
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
