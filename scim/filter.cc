// The filter and attribute-path grammar of RFC 7644 §3.4.2.2 (one parser for
// both, with its limits) and its canonical printing. Over 400 lines for a
// reason: one grammar, one recursive-descent parser whose parts share state.
#include "scim/filter.h"

#include <cctype>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "scim/limits.h"

namespace scim {
namespace {

bool IsNameStart(char c) { return absl::ascii_isalpha(c) || c == '$'; }
bool IsNameChar(char c) {
  return absl::ascii_isalnum(c) || c == '-' || c == '_' || c == '$';
}

// ATTRNAME = ALPHA *(nameChar), plus "$ref".
bool IsAttrName(absl::string_view name) {
  if (name.empty()) return false;
  if (name == "$ref") return true;
  if (!absl::ascii_isalpha(name[0])) return false;
  for (char c : name) {
    if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
  }
  return true;
}

struct OpName {
  const char* name;
  CompareOp op;
};
constexpr OpName kOps[] = {
    {"eq", CompareOp::kEq}, {"ne", CompareOp::kNe}, {"co", CompareOp::kCo},
    {"sw", CompareOp::kSw}, {"ew", CompareOp::kEw}, {"gt", CompareOp::kGt},
    {"ge", CompareOp::kGe}, {"lt", CompareOp::kLt}, {"le", CompareOp::kLe}};

class Parser {
 public:
  Parser(absl::string_view text, const char* scim_type, const char* what)
      : text_(text), scim_type_(scim_type), what_(what) {}

  absl::StatusOr<std::unique_ptr<FilterNode>> ParseWholeFilter() {
    SkipSpace();
    if (AtEnd()) return Error("the filter is empty");
    auto node = ParseOr(0, false);
    if (!node.ok()) return node.status();
    SkipSpace();
    if (!AtEnd()) {
      return Error(absl::StrCat("unexpected '", Rest(), "'"));
    }
    return node;
  }

  absl::StatusOr<AttributePath> ParseWholePath() {
    SkipSpace();
    if (AtEnd()) return Error("the path is empty");
    auto path = ParsePath(0);
    if (!path.ok()) return path.status();
    SkipSpace();
    if (!AtEnd()) return Error(absl::StrCat("unexpected '", Rest(), "'"));
    return path;
  }

 private:
  bool AtEnd() const { return pos_ >= text_.size(); }
  char Peek() const { return AtEnd() ? '\0' : text_[pos_]; }
  absl::string_view Rest() const {
    absl::string_view rest = text_.substr(pos_);
    return rest.size() > 20 ? rest.substr(0, 20) : rest;
  }
  void SkipSpace() {
    while (!AtEnd() && absl::ascii_isspace(text_[pos_])) ++pos_;
  }

  absl::Status Error(absl::string_view problem) const {
    return ScimError(absl::StatusCode::kInvalidArgument, scim_type_,
                     absl::StrCat("invalid ", what_, " at position ", pos_ + 1,
                                  ": ", problem));
  }

  // A word (keyword or operator) at the cursor, without consuming it.
  absl::string_view PeekWord() const {
    size_t end = pos_;
    while (end < text_.size() && absl::ascii_isalpha(text_[end])) ++end;
    return text_.substr(pos_, end - pos_);
  }

  // Consumes keyword `kw` if it is next and followed by a delimiter.
  bool ConsumeKeyword(absl::string_view kw) {
    absl::string_view word = PeekWord();
    if (!absl::EqualsIgnoreCase(word, kw)) return false;
    size_t after = pos_ + word.size();
    if (after < text_.size() && !absl::ascii_isspace(text_[after]) &&
        text_[after] != '(') {
      return false;
    }
    pos_ = after;
    return true;
  }

  // or-expressions of and-expressions of unary ones: `and` binds tighter.
  absl::StatusOr<std::unique_ptr<FilterNode>> ParseOr(int depth, bool inner) {
    return ParseBinary(depth, inner, "or", FilterNode::Kind::kOr);
  }

  absl::StatusOr<std::unique_ptr<FilterNode>> ParseBinary(int depth, bool inner,
                                                          absl::string_view keyword,
                                                          FilterNode::Kind kind) {
    auto operand = [&]() {
      return kind == FilterNode::Kind::kOr
                 ? ParseBinary(depth, inner, "and", FilterNode::Kind::kAnd)
                 : ParseUnary(depth, inner);
    };
    auto left = operand();
    if (!left.ok()) return left;
    for (;;) {
      size_t save = pos_;
      SkipSpace();
      size_t at = pos_;
      if (!ConsumeKeyword(keyword)) {
        pos_ = save;
        return left;
      }
      auto right = operand();
      if (!right.ok()) return right;
      auto node = std::make_unique<FilterNode>();
      node->kind = kind;
      node->position = at;
      node->children.push_back(std::move(*left));
      node->children.push_back(std::move(*right));
      left = std::move(node);
    }
  }

  absl::StatusOr<std::unique_ptr<FilterNode>> ParseGroup(int depth,
                                                         bool inner) {
    // At '('.
    if (depth >= kMaxFilterNesting) {
      return Error(absl::StrCat("the filter nests parentheses deeper than ",
                                kMaxFilterNesting, " levels (the limit)"));
    }
    ++pos_;
    auto node = ParseOr(depth + 1, inner);
    if (!node.ok()) return node;
    SkipSpace();
    if (Peek() != ')') {
      return Error(AtEnd() ? "missing ')'"
                           : absl::StrCat("expected ')' but found '", Rest(), "'"));
    }
    ++pos_;
    return node;
  }

  absl::StatusOr<std::unique_ptr<FilterNode>> ParseUnary(int depth,
                                                         bool inner) {
    SkipSpace();
    if (AtEnd()) return Error("expected an expression but the filter ended");
    const size_t at = pos_;
    if (Peek() == '(') return ParseGroup(depth, inner);
    if (ConsumeKeyword("not")) {
      SkipSpace();
      if (Peek() != '(') return Error("'not' must be followed by '('");
      auto child = ParseGroup(depth, inner);
      if (!child.ok()) return child;
      auto node = std::make_unique<FilterNode>();
      node->kind = FilterNode::Kind::kNot;
      node->position = at;
      node->children.push_back(std::move(*child));
      return node;
    }
    return ParseAttributeExpression(depth, inner);
  }

  absl::StatusOr<AttributePath> ParsePath(int depth) {
    const size_t start = pos_;
    if (!IsNameStart(Peek())) {
      return Error(AtEnd() ? std::string("expected an attribute name")
                           : absl::StrCat("expected an attribute name but found '",
                                          Rest(), "'"));
    }
    size_t end = pos_;
    while (end < text_.size() && !absl::ascii_isspace(text_[end]) &&
           text_[end] != '(' && text_[end] != ')' && text_[end] != '[' &&
           text_[end] != ']' && text_[end] != '"') {
      ++end;
    }
    absl::string_view token = text_.substr(start, end - start);
    AttributePath path;
    absl::string_view names = token;
    if (absl::StartsWithIgnoreCase(token, "urn:")) {
      size_t colon = token.rfind(':');
      path.urn = std::string(token.substr(0, colon));
      names = token.substr(colon + 1);
      if (names.empty()) {
        pos_ = end;
        return Error(absl::StrCat("'", token, "' names no attribute after the schema URN"));
      }
    }
    size_t dot = names.find('.');
    path.attribute = std::string(names.substr(0, dot));
    if (dot != absl::string_view::npos) {
      path.sub_attribute = std::string(names.substr(dot + 1));
      if (!IsAttrName(path.sub_attribute)) {
        return Error(absl::StrCat("'", token, "' is not a valid attribute path"));
      }
    }
    if (!IsAttrName(path.attribute)) {
      return Error(absl::StrCat("'", token, "' is not a valid attribute path"));
    }
    pos_ = end;
    if (Peek() == '[') {
      if (!path.sub_attribute.empty()) {
        return Error("a value filter '[...]' must follow a multi-valued attribute, not a sub-attribute");
      }
      if (depth > 0) return Error("value filters cannot be nested");
      ++pos_;
      SkipSpace();
      if (Peek() == ']') return Error("the value filter '[]' is empty");
      auto inner = ParseOr(depth + 1, /*inner=*/true);
      if (!inner.ok()) return inner.status();
      SkipSpace();
      if (Peek() != ']') {
        return Error(AtEnd() ? std::string("missing ']'")
                             : absl::StrCat("expected ']' but found '", Rest(), "'"));
      }
      ++pos_;
      path.value_filter = std::shared_ptr<FilterNode>(std::move(*inner));
      // PATCH paths (RFC 7644 §3.5.2) and, in filters, Entra's
      // `emails[type eq "work"].value eq "x"` (see ParseAttributeExpression).
      if (Peek() == '.') {
        ++pos_;
        size_t s = pos_;
        while (!AtEnd() && IsNameChar(text_[pos_])) ++pos_;
        path.sub_attribute = std::string(text_.substr(s, pos_ - s));
        if (!IsAttrName(path.sub_attribute)) {
          return Error("expected a sub-attribute name after ']. '");
        }
      }
    }
    return path;
  }

  absl::StatusOr<Json> ParseValue() {
    SkipSpace();
    if (AtEnd()) return Error("expected a comparison value but the filter ended");
    const size_t start = pos_;
    if (Peek() == '"') {
      size_t i = pos_ + 1;
      while (i < text_.size() && text_[i] != '"') {
        if (text_[i] == '\\') ++i;
        ++i;
      }
      if (i >= text_.size()) return Error("unterminated string");
      Json value = Json::parse(text_.substr(start, i + 1 - start), nullptr, false);
      if (value.is_discarded()) return Error("invalid escape in string");
      pos_ = i + 1;
      return value;
    }
    size_t end = pos_;
    while (end < text_.size() && !absl::ascii_isspace(text_[end]) &&
           text_[end] != ')' && text_[end] != ']') {
      ++end;
    }
    absl::string_view token = text_.substr(start, end - start);
    if (token.empty()) {
      return Error(absl::StrCat("expected a comparison value but found '",
                                Rest(), "'"));
    }
    // compValue = false / null / true / number / string (RFC 7644
    // §3.4.2.2), the keywords in any case like the operators. Unquoted text
    // (`userName eq bjensen`, an unquoted dateTime) is not a value: reading
    // it as a string would guess where the value ends.
    if (absl::EqualsIgnoreCase(token, "true")) return Advance(end, Json(true));
    if (absl::EqualsIgnoreCase(token, "false")) return Advance(end, Json(false));
    if (absl::EqualsIgnoreCase(token, "null")) return Advance(end, Json(nullptr));
    if (token[0] == '-' || absl::ascii_isdigit(token[0])) {
      Json number = Json::parse(token, nullptr, /*allow_exceptions=*/false);
      if (!number.is_discarded() && number.is_number()) {
        return Advance(end, std::move(number));
      }
    }
    return Error(absl::StrCat(
        "'", token.size() > 40 ? token.substr(0, 40) : token,
        "' is not a comparison value (expected a comparison value: quote strings and dateTimes "
        "(\"...\"), or give a number, true, false or null)"));
  }

  Json Advance(size_t end, Json value) {
    pos_ = end;
    return value;
  }

  absl::StatusOr<std::unique_ptr<FilterNode>> ParseAttributeExpression(
      int depth, bool inner) {
    const size_t at = pos_;
    // Counted here, before any node is built: every term is one of these.
    if (++terms_ > kMaxFilterTerms) {
      return Error(absl::StrCat("the filter has more than ", kMaxFilterTerms,
                                " comparisons (the limit)"));
    }
    auto path = ParsePath(inner ? 1 : 0);
    if (!path.ok()) return path.status();
    auto node = std::make_unique<FilterNode>();
    node->position = at;
    if (path->value_filter == nullptr) {
      node->path = std::move(*path);
      RETURN_IF_ERROR(ParseOperator(node.get()));
      return node;
    }
    node->kind = FilterNode::Kind::kValuePath;
    std::unique_ptr<FilterNode> element =
        std::make_unique<FilterNode>(std::move(*path->value_filter));
    path->value_filter.reset();
    if (!path->sub_attribute.empty()) {
      // Entra's matching filter `emails[type eq "work"].value eq "x"` (its
      // SCIM guide requires servers to accept it; RFC 7644's grammar has no
      // such form): the element that satisfies the value filter must also
      // satisfy the comparison, i.e. `emails[type eq "work" and value eq "x"]`.
      if (++terms_ > kMaxFilterTerms) {
        return Error(absl::StrCat("the filter has more than ", kMaxFilterTerms,
                                  " comparisons (the limit)"));
      }
      auto compare = std::make_unique<FilterNode>();
      compare->position = pos_;
      compare->path.attribute = std::move(path->sub_attribute);
      path->sub_attribute.clear();
      RETURN_IF_ERROR(ParseOperator(compare.get()));
      auto both = std::make_unique<FilterNode>();
      both->kind = FilterNode::Kind::kAnd;
      both->position = at;
      both->children.push_back(std::move(element));
      both->children.push_back(std::move(compare));
      element = std::move(both);
    }
    node->children.push_back(std::move(element));
    node->path = std::move(*path);
    return node;
  }

  // ` op value` or ` pr` after the path of `node`, which it completes.
  absl::Status ParseOperator(FilterNode* node) {
    if (!absl::ascii_isspace(Peek())) {
      return Error(AtEnd() ? absl::StrCat("expected an operator after '",
                                          node->path.ToString(), "'")
                           : absl::StrCat("unexpected '", Rest(), "'"));
    }
    SkipSpace();
    absl::string_view word = PeekWord();
    if (absl::EqualsIgnoreCase(word, "pr")) {
      pos_ += 2;
      node->kind = FilterNode::Kind::kPresent;
      return absl::OkStatus();
    }
    for (const OpName& op : kOps) {
      if (absl::EqualsIgnoreCase(word, op.name)) {
        pos_ += 2;
        if (!absl::ascii_isspace(Peek())) {
          return Error(absl::StrCat("expected a value after '", op.name, "'"));
        }
        node->kind = FilterNode::Kind::kCompare;
        node->op = op.op;
        ASSIGN_OR_RETURN(node->value, ParseValue());
        return absl::OkStatus();
      }
    }
    return Error(absl::StrCat(
        "unknown operator '", word.empty() ? Rest() : word,
        "' (expected eq, ne, co, sw, ew, gt, ge, lt, le or pr)"));
  }

  absl::string_view text_;
  size_t pos_ = 0;
  int terms_ = 0;
  const char* scim_type_;
  const char* what_;
};

}  // namespace

const char* CompareOpName(CompareOp op) {
  for (const OpName& o : kOps) {
    if (o.op == op) return o.name;
  }
  return "?";
}

std::string AttributePath::ToString() const {
  std::string out = urn.empty() ? attribute : absl::StrCat(urn, ":", attribute);
  if (value_filter != nullptr) {
    absl::StrAppend(&out, "[", FilterToString(*value_filter), "]");
  }
  if (!sub_attribute.empty()) absl::StrAppend(&out, ".", sub_attribute);
  return out;
}

namespace {

// `a or b or c` parses into a left-deep chain; it is printed flat, as it
// parses back (and/or are left-associative), so that a filter within the
// term limit stays within the nesting limit when printed and parsed again.
std::string ChainToString(const FilterNode& node, absl::string_view op) {
  std::vector<const FilterNode*> operands;
  const FilterNode* n = &node;
  for (; n->kind == node.kind; n = n->children[0].get()) {
    operands.push_back(n->children[1].get());
  }
  operands.push_back(n);
  std::string out = "(";
  for (auto it = operands.rbegin(); it != operands.rend(); ++it) {
    if (it != operands.rbegin()) absl::StrAppend(&out, " ", op, " ");
    absl::StrAppend(&out, FilterToString(**it));
  }
  return out + ")";
}

}  // namespace

std::string FilterToString(const FilterNode& node) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      return ChainToString(node, "and");
    case FilterNode::Kind::kOr:
      return ChainToString(node, "or");
    case FilterNode::Kind::kNot:
      return absl::StrCat("not (", FilterToString(*node.children[0]), ")");
    case FilterNode::Kind::kPresent:
      return absl::StrCat(node.path.ToString(), " pr");
    case FilterNode::Kind::kValuePath:
      return absl::StrCat(node.path.ToString(), "[",
                          FilterToString(*node.children[0]), "]");
    case FilterNode::Kind::kCompare:
      // Replace invalid UTF-8 rather than throw (dump's default): the parser
      // refuses it, but a node need not come from the parser.
      return absl::StrCat(node.path.ToString(), " ", CompareOpName(node.op),
                          " ", node.value.dump(-1, ' ', false,
                                               Json::error_handler_t::replace));
  }
  return "";
}

absl::StatusOr<std::unique_ptr<FilterNode>> ParseFilter(absl::string_view text) {
  return Parser(text, scim_type::kInvalidFilter, "filter").ParseWholeFilter();
}

absl::StatusOr<AttributePath> ParseAttributePath(absl::string_view text) {
  return Parser(text, scim_type::kInvalidPath, "path").ParseWholePath();
}

}  // namespace scim
