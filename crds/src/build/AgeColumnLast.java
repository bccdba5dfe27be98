import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Build step after the crd-generator (process-classes): moves the Age column ({@code
 * .metadata.creationTimestamp}) of every CRD's {@code additionalPrinterColumns} to the end, where
 * kubectl users expect it. The generator orders columns by JSON path, which puts {@code .metadata}
 * first; the other columns keep its order. Run as a single-file program ({@code java
 * AgeColumnLast.java DIR}) on the generated YAML in DIR, rewritten in place; only the JDK is used.
 */
public final class AgeColumnLast {

  private static final Pattern LIST = Pattern.compile("^(\\s*)(- )?additionalPrinterColumns:\\s*$");
  private static final String AGE_PATH = "jsonPath: \".metadata.creationTimestamp\"";

  public static void main(String[] args) throws IOException {
    Path dir = Path.of(args[0]);
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*.yml")) {
      for (Path file : files) {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        String moved = ageLast(text);
        if (!moved.equals(text)) {
          Files.writeString(file, moved, StandardCharsets.UTF_8);
        }
      }
    }
  }

  static String ageLast(String text) {
    boolean finalNewline = text.endsWith("\n");
    List<String> lines = new ArrayList<>(List.of(text.split("\n", -1)));
    if (finalNewline) {
      lines.remove(lines.size() - 1);
    }
    List<String> out = new ArrayList<>(lines.size());
    int i = 0;
    while (i < lines.size()) {
      String line = lines.get(i);
      out.add(line);
      i++;
      Matcher m = LIST.matcher(line);
      if (!m.matches()) {
        continue;
      }
      // The list's items sit at the key's column: "- " there, continuation lines deeper.
      int keyColumn = m.group(1).length() + (m.group(2) == null ? 0 : 2);
      String item = " ".repeat(keyColumn) + "- ";
      String more = " ".repeat(keyColumn + 2);
      List<List<String>> items = new ArrayList<>();
      while (i < lines.size() && lines.get(i).startsWith(item)) {
        List<String> entry = new ArrayList<>();
        entry.add(lines.get(i++));
        while (i < lines.size()
            && lines.get(i).startsWith(more)
            && !lines.get(i).startsWith(item)) {
          entry.add(lines.get(i++));
        }
        items.add(entry);
      }
      List<List<String>> age = new ArrayList<>();
      for (List<String> entry : items) {
        if (entry.stream().anyMatch(l -> l.trim().replaceFirst("^- ", "").equals(AGE_PATH))) {
          age.add(entry);
        }
      }
      items.removeAll(age);
      items.addAll(age);
      items.forEach(out::addAll);
    }
    return String.join("\n", out) + (finalNewline ? "\n" : "");
  }
}
