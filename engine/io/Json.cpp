#include "io/Json.h"
#include "core/Numbers.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string_view>

#include "core/Errors.h"

namespace ts {

Json& Json::operator[](const std::string& key) {
  if (type_ == Type::Null) type_ = Type::Object;
  for (auto& kv : obj_)
    if (kv.first == key) return kv.second;
  obj_.emplace_back(key, Json());
  return obj_.back().second;
}

const Json& Json::at(const std::string& key) const {
  for (const auto& kv : obj_)
    if (kv.first == key) return kv.second;
  throw InputError("JSON object has no member '" + key + "'");
}

bool Json::contains(const std::string& key) const {
  for (const auto& kv : obj_)
    if (kv.first == key) return true;
  return false;
}

void Json::push_back(Json v) {
  if (type_ == Type::Null) type_ = Type::Array;
  arr_.push_back(std::move(v));
}

uint64_t Json::unsigned_integer() const {
  if (type_ != Type::Number) throw InputError("JSON value is not a number");
  uint64_t v = 0;
  if (!int_text_.empty() && parse_seed(int_text_, &v)) return v;
  if (num_ >= 0 && num_ == std::floor(num_) && num_ <= 9007199254740992.0) return static_cast<uint64_t>(num_);
  throw InputError("JSON number " + format_number(num_, 17) + " is not an integer from 0 to 2^64 − 1");
}

double Json::number() const {
  if (type_ != Type::Number) throw InputError("JSON value is not a number");
  return num_;
}
const std::string& Json::string() const {
  if (type_ != Type::String) throw InputError("JSON value is not a string");
  return str_;
}
bool Json::boolean() const {
  if (type_ != Type::Bool) throw InputError("JSON value is not a boolean");
  return bool_;
}

namespace {
void escape(std::string& out, const std::string& s) {
  out += '"';
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\r':
        out += "\\r";
        break;
      default:
        if (c < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", c);
          out += buf;
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  out += '"';
}
void newline(std::string& out, int indent, int depth) {
  if (indent < 0) return;
  out += '\n';
  out.append(static_cast<size_t>(indent * depth), ' ');
}
}  // namespace

void Json::dump_to(std::string& out, int indent, int depth) const {
  switch (type_) {
    case Type::Null:
      out += "null";
      break;
    case Type::Bool:
      out += bool_ ? "true" : "false";
      break;
    case Type::Number: {
      if (!int_text_.empty()) {
        out += int_text_;
      } else if (!std::isfinite(num_)) {
        out += "null";
      } else if (num_ == std::floor(num_) && std::fabs(num_) < 1e15) {
        out += std::to_string(static_cast<long long>(num_));
      } else {
        out += format_number(num_, 17);  // '.' whatever the locale
      }
      break;
    }
    case Type::String:
      escape(out, str_);
      break;
    case Type::Array: {
      out += '[';
      for (size_t i = 0; i < arr_.size(); ++i) {
        if (i) out += indent < 0 ? ", " : ",";
        newline(out, indent, depth + 1);
        arr_[i].dump_to(out, indent, depth + 1);
      }
      if (!arr_.empty()) newline(out, indent, depth);
      out += ']';
      break;
    }
    case Type::Object: {
      out += '{';
      for (size_t i = 0; i < obj_.size(); ++i) {
        if (i) out += indent < 0 ? ", " : ",";
        newline(out, indent, depth + 1);
        escape(out, obj_[i].first);
        out += ": ";
        obj_[i].second.dump_to(out, indent, depth + 1);
      }
      if (!obj_.empty()) newline(out, indent, depth);
      out += '}';
      break;
    }
  }
}

std::string Json::dump(int indent) const {
  std::string out;
  dump_to(out, indent, 0);
  return out;
}

namespace {
struct Parser {
  const std::string& s;
  const std::string& what;
  size_t i = 0;
  [[noreturn]] void fail(const std::string& msg) {
    throw InputError(what + ": malformed JSON at offset " + std::to_string(i) + ": " + msg);
  }
  void ws() {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r')) ++i;
  }
  bool lit(const char* w) {
    size_t n = std::char_traits<char>::length(w);
    if (s.compare(i, n, w) == 0) {
      i += n;
      return true;
    }
    return false;
  }
  std::string str() {
    if (s[i] != '"') fail("expected string");
    ++i;
    std::string out;
    while (i < s.size() && s[i] != '"') {
      if (s[i] == '\\') {
        ++i;
        if (i >= s.size()) fail("bad escape");
        char c = s[i];
        if (c == 'n')
          out += '\n';
        else if (c == 't')
          out += '\t';
        else if (c == 'r')
          out += '\r';
        else if (c == 'b')
          out += '\b';
        else if (c == 'f')
          out += '\f';
        else if (c == 'u') {
          // \uXXXX, a UTF-16 code unit: written out as UTF-8, surrogate pairs joined.
          unsigned cp = hex4(i + 1);
          i += 4;
          if (cp >= 0xD800 && cp <= 0xDBFF) {
            if (i + 6 >= s.size() || s[i + 1] != '\\' || s[i + 2] != 'u')
              fail("unpaired surrogate in a \\u escape");
            const unsigned low = hex4(i + 3);
            if (low < 0xDC00 || low > 0xDFFF) fail("unpaired surrogate in a \\u escape");
            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
            i += 6;
          } else if (cp >= 0xDC00 && cp <= 0xDFFF) {
            fail("unpaired surrogate in a \\u escape");
          }
          utf8(out, cp);
        } else if (c == '"' || c == '\\' || c == '/')
          out += c;
        else
          fail(std::string("bad escape \\") + c);
        ++i;
      } else {
        out += s[i++];
      }
    }
    if (i >= s.size()) fail("unterminated string");
    ++i;
    return out;
  }
  unsigned hex4(size_t at) {
    if (at + 4 > s.size()) fail("bad \\u escape");
    unsigned v = 0;
    for (size_t k = at; k < at + 4; ++k) {
      const char h = s[k];
      v <<= 4;
      if (h >= '0' && h <= '9')
        v |= unsigned(h - '0');
      else if (h >= 'a' && h <= 'f')
        v |= unsigned(h - 'a' + 10);
      else if (h >= 'A' && h <= 'F')
        v |= unsigned(h - 'A' + 10);
      else
        fail("bad \\u escape");
    }
    return v;
  }
  static void utf8(std::string& out, unsigned cp) {
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }
  Json value() {
    ws();
    if (i >= s.size()) fail("unexpected end");
    char c = s[i];
    if (c == '{') {
      ++i;
      Json o = Json::object();
      ws();
      if (s[i] == '}') {
        ++i;
        return o;
      }
      for (;;) {
        ws();
        std::string k = str();
        ws();
        if (s[i] != ':') fail("expected ':'");
        ++i;
        o[k] = value();
        ws();
        if (s[i] == ',') {
          ++i;
          continue;
        }
        if (s[i] == '}') {
          ++i;
          return o;
        }
        fail("expected ',' or '}'");
      }
    }
    if (c == '[') {
      ++i;
      Json a = Json::array();
      ws();
      if (s[i] == ']') {
        ++i;
        return a;
      }
      for (;;) {
        a.push_back(value());
        ws();
        if (s[i] == ',') {
          ++i;
          continue;
        }
        if (s[i] == ']') {
          ++i;
          return a;
        }
        fail("expected ',' or ']'");
      }
    }
    if (c == '"') return Json(str());
    if (lit("true")) return Json(true);
    if (lit("false")) return Json(false);
    if (lit("null")) return Json();
    // A number runs to the next delimiter; read in the C locale whatever the process's locale.
    size_t e = i;
    while (e < s.size() && std::string_view("+-.0123456789eE").find(s[e]) != std::string_view::npos) ++e;
    double v = 0;
    const std::string text = s.substr(i, e - i);
    if (e == i || !parse_number(text, &v)) fail("unexpected character");
    i = e;
    // An integer literal within 64 bits keeps its digits (seeds up to 2^64 − 1 read back exactly).
    const bool integral = text.find_first_of(".eE") == std::string::npos;
    uint64_t u = 0;
    if (integral && text[0] == '-' && text.size() > 1 && parse_seed(text.substr(1), &u) &&
        u <= uint64_t(INT64_MAX) + 1)
      return Json(u == uint64_t(INT64_MAX) + 1 ? INT64_MIN : -static_cast<int64_t>(u));
    if (integral && text[0] != '-' && text[0] != '+' && parse_seed(text, &u)) return Json(u);
    return Json(v);
  }
};
}  // namespace

Json Json::parse(const std::string& text, const std::string& what) {
  Parser p{text, what};
  Json v = p.value();
  p.ws();
  if (p.i != text.size()) p.fail("trailing characters");
  return v;
}

}  // namespace ts
