package dev.switchboard.kubemock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.BooleanNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The JSONPath subset that CustomResourceDefinition {@code additionalPrinterColumns} use, evaluated
 * on Jackson trees: field steps ({@code .spec.model}, {@code ['a.b']}), array indexes ({@code [0]},
 * {@code [-1]}), wildcards ({@code [*]}, {@code .*}) and equality filters on a field ({@code
 * [?(@.type=="Ready")]}, {@code !=}, quotes of either kind, or a number or boolean). The expression
 * may be wrapped in {@code {...}} and start with {@code $}, as kubectl allows.
 *
 * <p>No JSONPath library is on this module's classpath (Jayway's would be a new dependency for
 * every consumer of the mock, and its dialect differs from Kubernetes'); this subset is what
 * printer columns use.
 */
final class PrinterColumnPath {

  private sealed interface Step permits Field, Index, Wildcard, Filter {}

  private record Field(String name) implements Step {}

  private record Index(int index) implements Step {}

  private record Wildcard() implements Step {}

  /** {@code [?(@.path op literal)]}; {@code literal} null means "the field exists". */
  private record Filter(List<Step> path, boolean equal, JsonNode literal) implements Step {}

  private final String expression;
  private final List<Step> steps;

  private PrinterColumnPath(String expression, List<Step> steps) {
    this.expression = expression;
    this.steps = steps;
  }

  /**
   * @throws IllegalArgumentException when the expression is outside the supported subset
   */
  static PrinterColumnPath parse(String expression) {
    Objects.requireNonNull(expression, "expression");
    String text = expression.trim();
    if (text.startsWith("{") && text.endsWith("}")) {
      text = text.substring(1, text.length() - 1).trim();
    }
    if (text.startsWith("$")) {
      text = text.substring(1);
    }
    Parser parser = new Parser(expression, text);
    return new PrinterColumnPath(expression, parser.steps(false));
  }

  /** Every value the path selects, in document order; empty when nothing matches. */
  List<JsonNode> evaluate(JsonNode root) {
    return apply(steps, root);
  }

  @Override
  public String toString() {
    return expression;
  }

  private static List<JsonNode> apply(List<Step> steps, JsonNode root) {
    List<JsonNode> current = new ArrayList<>();
    if (root != null && !root.isMissingNode()) {
      current.add(root);
    }
    for (Step step : steps) {
      List<JsonNode> next = new ArrayList<>();
      for (JsonNode node : current) {
        select(step, node, next);
      }
      current = next;
    }
    return current;
  }

  private static void select(Step step, JsonNode node, List<JsonNode> out) {
    if (step instanceof Field field) {
      JsonNode value = node.isObject() ? node.get(field.name()) : null;
      if (value != null) {
        out.add(value);
      }
    } else if (step instanceof Index index) {
      if (node.isArray()) {
        int i = index.index() < 0 ? node.size() + index.index() : index.index();
        if (i >= 0 && i < node.size()) {
          out.add(node.get(i));
        }
      }
    } else if (node.isArray() || node.isObject()) {
      Filter filter = step instanceof Filter f ? f : null;
      node.elements()
          .forEachRemaining(
              element -> {
                if (filter == null || matches(filter, element)) {
                  out.add(element);
                }
              });
    }
  }

  private static boolean matches(Filter filter, JsonNode element) {
    List<JsonNode> values = apply(filter.path(), element);
    if (filter.literal() == null) {
      return !values.isEmpty();
    }
    boolean equal = !values.isEmpty() && sameValue(values.get(0), filter.literal());
    return filter.equal() == equal;
  }

  private static boolean sameValue(JsonNode value, JsonNode literal) {
    if (value.isNumber() && literal.isNumber()) {
      return value.decimalValue().compareTo(literal.decimalValue()) == 0;
    }
    return value.equals(literal);
  }

  /** A recursive-descent parser over the expression text. */
  private static final class Parser {
    private final String expression;
    private final String text;
    private int at;

    Parser(String expression, String text) {
      this.expression = expression;
      this.text = text;
    }

    /** Steps up to the end, or (inside a filter) up to a comparison operator or ')'. */
    List<Step> steps(boolean inFilter) {
      List<Step> steps = new ArrayList<>();
      while (at < text.length()) {
        char c = text.charAt(at);
        if (inFilter && (c == '=' || c == '!' || c == ')' || c == ' ')) {
          break;
        }
        if (c == '.') {
          at++;
          if (at < text.length() && text.charAt(at) == '*') {
            at++;
            steps.add(new Wildcard());
          } else {
            steps.add(new Field(name()));
          }
        } else if (c == '[') {
          steps.add(bracket());
        } else {
          throw error("unexpected '" + c + "'");
        }
      }
      return steps;
    }

    private String name() {
      int start = at;
      while (at < text.length()
          && (Character.isLetterOrDigit(text.charAt(at)) || "_-".indexOf(text.charAt(at)) >= 0)) {
        at++;
      }
      if (start == at) {
        throw error("a field name is missing");
      }
      return text.substring(start, at);
    }

    private Step bracket() {
      at++; // '['
      Step step;
      char c = peek();
      if (c == '*') {
        at++;
        step = new Wildcard();
      } else if (c == '\'' || c == '"') {
        step = new Field(quoted());
      } else if (c == '?') {
        step = filter();
      } else {
        int start = at;
        if (c == '-') {
          at++;
        }
        while (at < text.length() && Character.isDigit(text.charAt(at))) {
          at++;
        }
        try {
          step = new Index(Integer.parseInt(text.substring(start, at)));
        } catch (NumberFormatException e) {
          throw error("unsupported subscript");
        }
      }
      expect(']');
      return step;
    }

    private Filter filter() {
      at++; // '?'
      expect('(');
      skipSpaces();
      expect('@');
      List<Step> path = steps(true);
      skipSpaces();
      if (peek() == ')') {
        at++;
        return new Filter(path, true, null);
      }
      boolean equal;
      if (text.startsWith("==", at)) {
        equal = true;
      } else if (text.startsWith("!=", at)) {
        equal = false;
      } else {
        throw error("only == and != filters are supported");
      }
      at += 2;
      skipSpaces();
      JsonNode literal = literal();
      skipSpaces();
      expect(')');
      return new Filter(path, equal, literal);
    }

    private JsonNode literal() {
      char c = peek();
      if (c == '\'' || c == '"') {
        return TextNode.valueOf(quoted());
      }
      int start = at;
      while (at < text.length() && ")] ".indexOf(text.charAt(at)) < 0) {
        at++;
      }
      String token = text.substring(start, at);
      if (token.equals("true") || token.equals("false")) {
        return BooleanNode.valueOf(Boolean.parseBoolean(token));
      }
      try {
        return DecimalNode.valueOf(new BigDecimal(token));
      } catch (NumberFormatException e) {
        throw error("unsupported filter value '" + token + "'");
      }
    }

    private String quoted() {
      char quote = text.charAt(at++);
      StringBuilder value = new StringBuilder();
      while (at < text.length() && text.charAt(at) != quote) {
        char c = text.charAt(at++);
        if (c == '\\' && at < text.length()) {
          c = text.charAt(at++);
        }
        value.append(c);
      }
      expect(quote);
      return value.toString();
    }

    private char peek() {
      if (at >= text.length()) {
        throw error("unexpected end");
      }
      return text.charAt(at);
    }

    private void expect(char c) {
      if (at >= text.length() || text.charAt(at) != c) {
        throw error("expected '" + c + "'");
      }
      at++;
    }

    private void skipSpaces() {
      while (at < text.length() && text.charAt(at) == ' ') {
        at++;
      }
    }

    private IllegalArgumentException error(String what) {
      return new IllegalArgumentException(
          "unsupported printer column JSONPath " + expression + ": " + what + " at " + at);
    }
  }
}
