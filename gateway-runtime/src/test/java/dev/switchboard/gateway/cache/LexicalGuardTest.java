package dev.switchboard.gateway.cache;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The traps other gateways fell into, each caught by the guard; paraphrases pass. */
class LexicalGuardTest {

  private static boolean compatible(String query, String cached) {
    return LexicalGuard.compatible(LexicalGuard.profile(query), LexicalGuard.profile(cached));
  }

  @Test
  void oppositesNegationsNumbersNamesAndDirectionAreRefused() {
    assertThat(compatible("How do I enable 2FA?", "How do I disable 2FA?")).isFalse();
    assertThat(compatible("Why is my phone not charging?", "Why is my phone charging?")).isFalse();
    assertThat(compatible("Why won't it start?", "Why will it start?")).isFalse();
    assertThat(compatible("Is $500 enough?", "Is $5,000 enough?")).isFalse();
    assertThat(compatible("Is three enough?", "Is four enough?")).isFalse();
    assertThat(compatible("What is the capital of France?", "What is the capital of Spain?"))
        .isFalse();
    assertThat(compatible("Convert 100 USD to EUR", "Convert 100 EUR to USD")).isFalse();
    assertThat(compatible("convert celsius to fahrenheit", "convert fahrenheit to celsius"))
        .isFalse();
  }

  @Test
  void paraphrasesAndRepeatsPass() {
    assertThat(compatible("How do I reset my Gmail password?", "how do i reset my gmail password"))
        .isTrue();
    assertThat(
            compatible(
                "What are the steps to reset my Gmail password?",
                "How can I reset the password of my Gmail account?"))
        .isTrue();
    assertThat(compatible("Is $5,000 enough?", "Is 5000 dollars enough?")).isTrue();
  }

  @Test
  void everyListedOppositeIsCaughtInItsPlainForm() {
    // Each pair as people write it: the table's stems must match what stem() makes of the words
    // ("safe" stems to "saf", "install" stays "install"). "Is it safe to eat raw chicken?" and its
    // opposite embed at 0.985, above the default threshold: only the guard tells them apart.
    assertThat(compatible("Is it safe to eat raw chicken?", "Is it unsafe to eat raw chicken?"))
        .isFalse();
    assertThat(compatible("Is this statement true?", "Is this statement false?")).isFalse();
    assertThat(compatible("Do people like this phone?", "Do people dislike this phone?")).isFalse();
    assertThat(compatible("Why does it use more memory?", "Why does it use less memory?"))
        .isFalse();
    assertThat(compatible("Did the build pass?", "Did the build fail?")).isFalse();
    assertThat(compatible("How do I install docker?", "How do I uninstall docker?")).isFalse();
    assertThat(compatible("How do I activate my account?", "How do I deactivate my account?"))
        .isFalse();
    assertThat(compatible("How do I register a device?", "How do I deregister a device?"))
        .isFalse();
    assertThat(compatible("Can I check in early?", "Can I check in late?")).isFalse();
    assertThat(compatible("Can I leave earlier?", "Can I leave later?")).isFalse();
    assertThat(compatible("Is it safe?", "Is it safe?")).isTrue();
    assertThat(compatible("How do I install docker?", "How can I install docker?")).isTrue();
  }

  /**
   * A word against the same word with a prefix that negates it ("correct" and "incorrect",
   * "healthy" and "unhealthy", "advantages" and "disadvantages"), and opposites the table did not
   * list. Measured with all-MiniLM-L6-v2, several pass the default threshold of 0.95: "Is range()
   * in Python inclusive of the end?" and its "exclusive" embed at 0.981, "Is a hot dog a sandwich?
   * Is that correct?" and its "incorrect" at 0.980, "Is Python's slice end index inclusive?" and
   * its "exclusive" at 0.966; the others at 0.92 to 0.95, which a lower threshold lets through.
   * Before, only "non" and the listed pairs were caught, so these were served each other's answer.
   */
  @Test
  void aWordAgainstItsNegatedOrOppositeFormIsAnotherQuestion() {
    String[][] opposites = {
      {"Is range() in Python inclusive of the end?", "Is range() in Python exclusive of the end?"},
      {"Is a hot dog a sandwich? Is that correct?", "Is a hot dog a sandwich? Is that incorrect?"},
      {"Is Python's slice end index inclusive?", "Is Python's slice end index exclusive?"},
      {"Is it healthy to skip breakfast?", "Is it unhealthy to skip breakfast?"},
      {"Is this API stable?", "Is this API unstable?"},
      {"Is it likely to rain tomorrow?", "Is it unlikely to rain tomorrow?"},
      {"Is this behaviour expected?", "Is this behaviour unexpected?"},
      {"What are the advantages of Rust?", "What are the disadvantages of Rust?"},
      {"Is the result consistent?", "Is the result inconsistent?"},
      {"Is this claim relevant?", "Is this claim irrelevant?"},
      {"Are Python strings mutable?", "Are Python strings immutable?"},
      {"Is das möglich?", "Is das unmöglich?"},
      {"How do I increment a counter in Redis?", "How do I decrement a counter in Redis?"},
      {"Is coffee good for you?", "Is coffee bad for you?"},
      {"how to scroll forward in vim", "how to scroll backward in vim"},
      {"How to make a GitHub repository public", "How to make a GitHub repository private"},
      {"Pros of remote work", "Cons of remote work"},
      {"How to make the background transparent", "How to make the background opaque"},
      {"Check if a number is odd in JavaScript", "Check if a number is even in JavaScript"},
      {"How to use an inner join in SQL", "How to use an outer join in SQL"},
      {"How do I center a div horizontally?", "How do I center a div vertically?"},
      {"Is the IP address internal?", "Is the IP address external?"},
      {"Is this call synchronous?", "Is this call asynchronous?"},
      {"How do I go online in Slack?", "How do I go offline in Slack?"},
      {"Is the variable global?", "Is the variable local?"},
      {"How to read a file line by line", "How to write a file line by line"},
      {"What is the input of this layer?", "What is the output of this layer?"},
      {"Does it attach the listener?", "Does it detach the listener?"},
    };
    for (String[] pair : opposites) {
      assertThat(compatible(pair[0], pair[1])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[1]).isFalse();
    }
    // Paraphrases keep their hits: a prefix counts only against the bare word on the other side.
    assertThat(compatible("Is that correct?", "Is that correct, then?")).isTrue();
    assertThat(compatible("Is it unhealthy to skip breakfast?", "Is skipping breakfast unhealthy?"))
        .isTrue();
    assertThat(compatible("How do I install it?", "How can I install it?")).isTrue();
  }

  /**
   * A side taken the other way, a prefix pair turned round, a clock hour's other half and another
   * rank. With all-MiniLM-L6-v2: "What are the arguments for the death penalty?" and "... against
   * ..." embed at 0.982, "Arguments in favor of remote work" and "... against ..." at 0.954, both
   * above the default threshold; "overweight" and "underweight" at 0.948, "7 am" and "7 pm" at
   * 0.947, "too much" and "too little" at 0.93, "second largest" and "third largest" at 0.90.
   */
  @Test
  void aSideRankOrHalfOfTheDayTurnedRoundIsAnotherQuestion() {
    String[][] opposites = {
      {
        "What are the arguments for the death penalty?",
        "What are the arguments against the death penalty?"
      },
      {"Arguments in favor of remote work", "Arguments against remote work"},
      {"Do most economists support a carbon tax?", "Do most economists oppose a carbon tax?"},
      {"Is my dog overweight?", "Is my dog underweight?"},
      {"Is the stock overvalued?", "Is the stock undervalued?"},
      {"What causes integer overflow?", "What causes integer underflow?"},
      {"What are the symptoms of hyperthyroidism?", "What are the symptoms of hypothyroidism?"},
      {"How to do a preorder traversal", "How to do a postorder traversal"},
      {"Is it rude to tip in Japan?", "Is it polite to tip in Japan?"},
      {"Why is my cat eating too much?", "Why is my cat eating too little?"},
      {"Set an alarm for 7 am", "Set an alarm for 7 pm"},
      {"What is the second largest country?", "What is the third largest country?"},
      {"Who was the fourth president?", "Who was the fifth president?"},
    };
    for (String[] pair : opposites) {
      assertThat(compatible(pair[0], pair[1])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[1]).isFalse();
    }
    assertThat(compatible("What is a good recipe for pancakes?", "Good pancake recipe for me?"))
        .isTrue();
    // "am" the verb is no half of the day; "7 am" on both sides is the same one.
    assertThat(compatible("Am I late for the 7 am train?", "Am I too late for the 7 am train?"))
        .isTrue();
  }

  /**
   * How often, how many, where and which way, turned round. With all-MiniLM-L6-v2: "always
   * balanced" and "sometimes balanced" embed at 0.983, "inside the fridge door" and "outside" at
   * 0.970, "Do all mammals lay eggs?" and "Do some ...?" at 0.965, "similarities between Python and
   * Java" and "differences" at 0.955: all above the default threshold.
   */
  @Test
  void aQuantifierOrPlaceTurnedRoundIsAnotherQuestion() {
    String[][] opposites = {
      {
        "What happens if the tree is always balanced?",
        "What happens if the tree is sometimes balanced?"
      },
      {
        "Is it safer to store food inside the fridge door?",
        "Is it safer to store food outside the fridge door?"
      },
      {"Do all mammals lay eggs?", "Do some mammals lay eggs?"},
      {
        "What are the similarities between Python and Java?",
        "What are the differences between Python and Java?"
      },
      {"Is the moon getting closer to the earth?", "Is the moon getting farther from the earth?"},
      {"Is the camera on the front of the phone?", "Is the camera on the back of the phone?"},
      {"Why do people love winter?", "Why do people hate winter?"},
      {"How to add a border to the top of a div", "How to add a border to the bottom of a div"},
      {"Does it often rain in Seattle?", "Does it rarely rain in Seattle?"},
    };
    for (String[] pair : opposites) {
      assertThat(compatible(pair[0], pair[1])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[1]).isFalse();
    }
    assertThat(
            compatible("Is there some way to list all pods?", "Is there a way to list all pods?"))
        .isTrue();
  }

  @Test
  void aComparisonTurnedTheOtherWayIsAnotherQuestion() {
    // Each pair 0.97 to 0.99 similar with all-MiniLM-L6-v2, above the default threshold: the
    // operator or the comparative is the whole difference, and ">", "<", ">=" were not words,
    // "higher", "larger", "older" never reached "high", "larg", "old", and "greater" had no
    // opposite.
    String[][] pairs = {
      {
        "Write a SQL query to list the products where price > 100",
        "Write a SQL query to list the products where price < 100"
      },
      {
        "Write a SQL query to count users with age >= 18",
        "Write a SQL query to count users with age < 18"
      },
      {"Delete log files older than 30 days", "Delete log files newer than 30 days"},
      {
        "Show hotels with a rating higher than 4 stars",
        "Show hotels with a rating lower than 4 stars"
      },
      {
        "Which employees have a salary that is greater than 50000?",
        "Which employees have a salary that is less than 50000?"
      },
      {"List the orders with a quantity over 10", "List the orders with a quantity under 10"},
      {
        "Alert me when the job fails at least 3 times",
        "Alert me when the job fails at most 3 times"
      },
      {"Find files larger than 100 MB", "Find files smaller than 100 MB"},
      {
        "Which cities have more than 1 million people?",
        "Which cities have fewer than 1 million people?"
      },
      {"Find the largest file in this folder", "Find the smallest file in this folder"},
      {
        "Which is the oldest version still supported?",
        "Which is the newest version still supported?"
      },
      {"Is the temperature above 30 degrees?", "Is the temperature below 30 degrees?"},
      {
        "Which accounts have a balance exceeding 1000 dollars?",
        "Which accounts have a balance below 1000 dollars?"
      },
      {
        "Find the users who signed up earlier than last week",
        "Find the users who signed up later than last week"
      },
      {"Show me the earliest flight", "Show me the latest flight"},
      {"Which phone has the longer battery life?", "Which phone has the shorter battery life?"},
      {"Which of the two cars is faster?", "Which of the two cars is slower?"},
      {"Which of the two rooms is hotter?", "Which of the two rooms is colder?"},
      {"Is the bigger box cheaper?", "Is the smaller box cheaper?"},
      {"Convert the text to upper case", "Convert the text to lower case"},
      {"Who is the youngest player?", "Who is the oldest player?"},
      {"What is the most common error?", "What is the least common error?"},
      {"Is it better for this?", "Is it worse for this?"},
      {"Is the price ≥ 100?", "Is the price ≤ 100?"},
      {"Sort the results in ascending order", "Sort the results in descending order"},
      {"List the invoices issued before 2024", "List the invoices issued after 2024"},
      {"How do I increase the timeout?", "How do I decrease the timeout?"},
      {"Set the maximum retry count to 5", "Set the minimum retry count to 5"},
      {"Set the max retry count to 5", "Set the min retry count to 5"}
    };
    for (String[] pair : pairs) {
      assertThat(compatible(pair[0], pair[1])).as(pair[1]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[1].toLowerCase(java.util.Locale.ROOT)))
          .as(pair[1])
          .isTrue();
    }
    // The same operator, written once or the other way, still differs: the bound is included or
    // not.
    assertThat(compatible("where price >= 100", "where price > 100")).isFalse();
    assertThat(compatible("where status == 'active'", "where status != 'active'")).isFalse();
    // The same direction said another way, and arrows and tags, still pass.
    assertThat(compatible("Find files larger than 100 MB", "Find files bigger than 100 MB"))
        .isTrue();
    assertThat(compatible("List orders where quantity > 10", "List orders where quantity over 10"))
        .isTrue();
    assertThat(compatible("Is the salary above 50000?", "Is the salary greater than 50000?"))
        .isTrue();
    assertThat(
            compatible(
                "Alert me when it fails at least 3 times",
                "alert me when it fails at least 3 times"))
        .isTrue();
    assertThat(compatible("What does x -> y mean in Rust?", "What does x → y mean in Rust?"))
        .isTrue();
    assertThat(compatible("How do I center a <div>?", "How can I center a <div>?")).isTrue();
  }

  @Test
  void aNegativeNumberIsNotItsAbsoluteValue() {
    // 0.988 similar with all-MiniLM-L6-v2: the sign is the whole difference.
    assertThat(
            compatible(
                "Is a temperature of -20 degrees dangerous for my car battery?",
                "Is a temperature of 20 degrees dangerous for my car battery?"))
        .isFalse();
    assertThat(compatible("What is −40 °C in °F?", "What is 40 °C in °F?")).isFalse();
    assertThat(compatible("Is -20 degrees cold?", "Is −20 degrees cold?")).isTrue();
    // A hyphen between words or numbers is no sign.
    assertThat(compatible("Is gpt-4o good at math?", "Is gpt-4o any good at math?")).isTrue();
    assertThat(compatible("Events on 2026-03-05", "Events on 2026-03-05")).isTrue();
    assertThat(compatible("Teams of 10-20 people", "Teams of 10 to 20 people")).isTrue();
  }

  @Test
  void anotherUnitIsAnotherQuestion() {
    // Each pair scores above the default threshold 0.95 with all-MiniLM-L6-v2 (0.952, 0.962,
    // 0.962): the unit is the whole difference.
    assertThat(compatible("Set a timer for 10 minutes", "Set a timer for 10 seconds")).isFalse();
    assertThat(
            compatible(
                "List the files modified in the last 24 hours",
                "List the files modified in the last 24 minutes"))
        .isFalse();
    assertThat(
            compatible(
                "What is the interest on a $1000 loan at 5% per month?",
                "What is the interest on a $1000 loan at 5% per year?"))
        .isFalse();
    assertThat(compatible("How long is a 5 km walk?", "How long is a 5 mile walk?")).isFalse();
    assertThat(compatible("Is 2 gigabytes of RAM enough?", "Is 2 terabytes of RAM enough?"))
        .isFalse();
    // The same unit however it is spelled, and a text that names none, still pass.
    assertThat(compatible("Set a timer for 10 minutes", "set a timer for 10 mins")).isTrue();
    assertThat(compatible("How long is a 5 km walk?", "How long is a 5 kilometre walk?")).isTrue();
    assertThat(compatible("What is 5% interest per year?", "What is 5% annual interest?")).isTrue();
    assertThat(compatible("Set a timer for 10 minutes", "Set a 10 minute timer")).isTrue();
  }

  /**
   * Parts of the day are days' business too: "Set an alarm for tomorrow morning" and "... tomorrow
   * evening" embed at 0.969 with all-MiniLM-L6-v2, above the default threshold, and both named the
   * same day, so the other alarm was served.
   */
  @Test
  void anotherPartOfTheDayIsAnotherQuestion() {
    assertThat(compatible("Set an alarm for tomorrow morning", "Set an alarm for tomorrow evening"))
        .isFalse();
    assertThat(
            compatible("Is the pharmacy open in the afternoon?", "Is the pharmacy open at night?"))
        .isFalse();
    assertThat(compatible("Remind me at noon", "Remind me at midnight")).isFalse();
    assertThat(compatible("Book a table for friday evening", "Book a table for friday mornings"))
        .isFalse();
    // The same part of the day however it is written, and a text that names none, still pass.
    assertThat(
            compatible("Set an alarm for tomorrow morning", "Set an alarm for tomorrow mornings"))
        .isTrue();
    assertThat(compatible("Set an alarm for tomorrow morning", "Please set an alarm")).isTrue();
  }

  @Test
  void anotherDayIsAnotherQuestion() {
    // 0.951 similar with all-MiniLM-L6-v2, above the default threshold.
    assertThat(compatible("What did I spend yesterday?", "What did I spend today?")).isFalse();
    assertThat(compatible("What meetings do I have today?", "What meetings do I have tomorrow?"))
        .isFalse();
    assertThat(compatible("Any meetings on monday?", "Any meetings on friday?")).isFalse();
    assertThat(compatible("Deploy on june 3", "Deploy on july 3")).isFalse();
    assertThat(compatible("What did I spend today?", "How much did I spend today?")).isTrue();
    assertThat(compatible("What did I spend today?", "What have I spent?")).isTrue();
  }

  @Test
  void aDecimalCommaIsNotAThousandsGroup() {
    // 0.952 similar with all-MiniLM-L6-v2: read as one number, 1,5 and 15 were the same.
    assertThat(
            compatible(
                "Is 1,5 kg of flour enough for two loaves?",
                "Is 15 kg of flour enough for two loaves?"))
        .isFalse();
    assertThat(compatible("Is 1,5 kg enough?", "Is 1.5 kg enough?")).isTrue();
    assertThat(compatible("Is 2,50 enough?", "Is 2.5 enough?")).isTrue();
    // In English, exactly three digits after the comma group thousands.
    assertThat(compatible("Is 1,500 enough?", "Is 1500 enough?")).isTrue();
    assertThat(compatible("Is 1,500 enough?", "Is 1.5 enough?")).isFalse();
    assertThat(compatible("Is 1,234,567.5 enough?", "Is 1234567.5 enough?")).isTrue();
  }

  @Test
  void oneCommaBeforeThreeDigitsIsReadAsTheTextsLanguageWritesIt() {
    // English (and Chinese, Japanese, Korean, Hindi, ...) group thousands with the comma.
    assertThat(compatible("How far is 1,500 km in miles?", "How far is 1500 km in miles?"))
        .isTrue();
    assertThat(compatible("1,500元够吗？", "1500元够吗？")).isTrue();
    // German, French, Italian, Dutch, Portuguese, Russian, ... write the decimal comma: 1,500 kg is
    // 1.5 kg there (three decimals, as scales and bottles print it), never 1500 kg.
    assertThat(
            compatible(
                "Sind 1,500 kg Mehl genug für zwei Brote?",
                "Sind 1,5 kg Mehl genug für zwei Brote?"))
        .isTrue();
    assertThat(
            compatible(
                "Sind 1,500 kg Mehl genug für zwei Brote?",
                "Sind 1500 kg Mehl genug für zwei Brote?"))
        .isFalse();
    assertThat(
            compatible("Est-ce que 2,500 litres suffisent ?", "Est-ce que 2,5 litres suffisent ?"))
        .isTrue();
    // Spanish is written both ways (Spain 1,5; Mexico 1,500 = 1500), and a text whose language
    // cannot be told says neither: the number equals only itself there.
    assertThat(
            compatible("¿Es 1,500 suficiente para el viaje?", "¿Es 1500 suficiente para el viaje?"))
        .isFalse();
    assertThat(
            compatible("¿Es 1,500 suficiente para el viaje?", "¿Es 1,5 suficiente para el viaje?"))
        .isFalse();
    assertThat(compatible("1,500 + 250 = ?", "1500 + 250 = ?")).isFalse();
    assertThat(compatible("1,500 + 250 = ?", "1.5 + 250 = ?")).isFalse();
    assertThat(compatible("1,500 + 250 = ?", "1,500 + 250 = ?")).isTrue();
    // No convention groups after a zero or after four digits: a decimal comma in any language.
    assertThat(compatible("Is 0,750 l enough?", "Is 0.75 l enough?")).isTrue();
    assertThat(compatible("Is 0,750 l enough?", "Is 750 l enough?")).isFalse();
    assertThat(compatible("Is 1234,567 enough?", "Is 1234.567 enough?")).isTrue();
    assertThat(compatible("Is 1234,567 enough?", "Is 1234567 enough?")).isFalse();
  }

  @Test
  void aPeriodBeforeOrAfterNowIsAnotherQuestion() {
    // 0.957, 0.943, 0.946 and 0.966 similar with all-MiniLM-L6-v2, above a 0.9 threshold: the
    // unit (week, month, hour) is the same on both sides, only last/next/this tells them apart.
    assertThat(compatible("How much did I spend last week?", "How much did I spend next week?"))
        .isFalse();
    assertThat(compatible("What did I spend last month?", "What did I spend next month?"))
        .isFalse();
    assertThat(compatible("What did I spend this week?", "What did I spend last week?")).isFalse();
    assertThat(compatible("Where was I last weekend?", "Where am I next weekend?")).isFalse();
    assertThat(
            compatible(
                "Show the files changed in the last 24 hours",
                "Show the files changed in the next 24 hours"))
        .isFalse();
    assertThat(compatible("Any storms in the past two days?", "Any storms in the next two days?"))
        .isFalse();
    assertThat(compatible("What did I spend last night?", "What will I spend tonight?")).isFalse();
    // The same period however it is said, and a text that places none, still pass.
    assertThat(
            compatible("How much did I spend last week?", "How much did I spend in the past week?"))
        .isTrue();
    assertThat(
            compatible(
                "Show the files changed in the last 24 hours",
                "Show files changed in the past 24 hours"))
        .isTrue();
    assertThat(compatible("What did I spend last week?", "What did I spend per week?")).isTrue();
  }

  @Test
  void weekdaysAreNotWeekends() {
    // 0.931 similar with all-MiniLM-L6-v2, above a 0.9 threshold.
    assertThat(compatible("Is the office open on weekdays?", "Is the office open on weekends?"))
        .isFalse();
    assertThat(compatible("Is the gym open on weekdays?", "Is the gym open at the weekend?"))
        .isFalse();
    assertThat(compatible("Is the gym open on weekends?", "Is the gym open at the weekend?"))
        .isTrue();
  }

  @Test
  void negationsInTheOtherDetectedLanguagesAreCounted() {
    // Each pair 0.90 to 0.98 similar with all-MiniLM-L6-v2 (noted after it): the negation is the
    // whole difference.
    String[][] pairs = {
      {"Ist Kaffee gesund?", "Ist Kaffee nicht gesund?"}, // 0.931
      {"Gibt es einen Fehler?", "Gibt es keinen Fehler?"},
      {"Pourquoi mon téléphone charge?", "Pourquoi mon téléphone ne charge pas?"}, // 0.935
      {"Le café est-il bon pour la santé ?", "Le café n'est-il pas bon pour la santé ?"}, // 0.974
      {"¿El café es bueno para la salud?", "¿El café no es bueno para la salud?"}, // 0.975
      {"Por que meu telefone carrega?", "Por que meu telefone não carrega?"}, // 0.954
      {"O café é bom para a saúde?", "O café não é bom para a saúde?"}, // 0.964
      {"Perché il mio telefono si carica?", "Perché il mio telefono non si carica?"}, // 0.964
      {"Waarom laadt mijn telefoon op?", "Waarom laadt mijn telefoon niet op?"}, // 0.962
      {"Почему мой телефон заряжается?", "Почему мой телефон не заряжается?"} // 0.974
    };
    for (String[] pair : pairs) {
      assertThat(compatible(pair[0], pair[1])).as(pair[1]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[1].toLowerCase(java.util.Locale.ROOT)))
          .as(pair[1])
          .isTrue();
    }
    // "ne … pas" and the elided "n'… pas" are one negation written two ways: they count alike.
    assertThat(compatible("Pourquoi il ne pleut pas ?", "Pourquoi il n'y a pas de pluie ?"))
        .isTrue();
  }

  @Test
  void negationsInChineseJapaneseAndKoreanAreCounted() {
    // Served before: a Han or kana run written against Latin letters was one word with them
    // ("python中不使用循环"), and Korean writes its short negations 안 and 못 as words of their own.
    String[][] pairs = {
      {"如何在python中使用循环？", "如何在python中不使用循环？"},
      {"咖啡对健康有好处吗？", "咖啡对健康没有好处吗？"},
      {"pythonでループを使う方法は？", "pythonでループを使わない方法は？"},
      {"커피는 건강에 좋아요?", "커피는 건강에 안 좋아요?"},
      {"왜 휴대폰이 충전이 돼요?", "왜 휴대폰이 충전이 안 돼요?"},
      {"왜 로그인 해요?", "왜 로그인 못 해요?"}
    };
    for (String[] pair : pairs) {
      assertThat(compatible(pair[0], pair[1])).as(pair[1]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[1] + " ")).as(pair[1]).isTrue();
    }
  }

  @Test
  void commonChineseJapaneseAndKoreanWordsAreNotNegations() {
    // Each negates: 别 (don't) where Chinese writes "don't", the Japanese endings, Korean 없/않/아니.
    for (String negated :
        new String[] {
          "别担心",
          "你别走",
          "无法连接",
          "不要删除",
          "しないでください",
          "分かりません",
          "食べずに行く",
          "行かなかった",
          "없어요",
          "하지 않아요",
          "아니요",
          "안 돼요"
        }) {
      assertThat(LexicalGuard.profile(negated).negations()).as(negated).isEqualTo(1);
    }
    // None negates: 非常 very, 未来 future, 特别 especially, 区别 difference, 不过 but, 差不多 about,
    // 不得不 must, Japanese 少ない few, 危ない dangerous, 別の other, Korean 잘못 mistake, 안녕 hello,
    // 안전 safety, 아니면 or.
    for (String plain :
        new String[] {
          "这个非常好",
          "未来会怎样",
          "这个特别好",
          "区别是什么",
          "不过很好",
          "差不多",
          "我不得不去",
          "人が少ない",
          "危ない道",
          "別の方法",
          "뭐가 잘못됐나요",
          "안녕하세요",
          "안전해요",
          "A 아니면 B"
        }) {
      assertThat(LexicalGuard.profile(plain).negations()).as(plain).isZero();
    }
  }

  @Test
  void oppositesInTheOtherDetectedLanguagesAreCaught() {
    String[][] pairs = {
      {"¿Por qué usa más memoria?", "¿Por qué usa menos memoria?"},
      {"¿Es mejor comprar o alquilar?", "¿Es peor comprar o alquilar?"},
      {"Pourquoi utilise-t-il plus de mémoire ?", "Pourquoi utilise-t-il moins de mémoire ?"},
      {"Comment activer le Bluetooth ?", "Comment désactiver le Bluetooth ?"},
      {"Warum braucht es mehr Speicher?", "Warum braucht es weniger Speicher?"},
      {"Wie kann ich Bluetooth aktivieren?", "Wie kann ich Bluetooth deaktivieren?"},
      {"O valor é maior que dez?", "O valor é menor que dez?"},
      {"Perché usa più memoria?", "Perché usa meno memoria?"},
      {"Come posso attivare il Bluetooth?", "Come posso disattivare il Bluetooth?"},
      {"Waarom gebruikt het meer geheugen?", "Waarom gebruikt het minder geheugen?"},
      {"왜 배터리를 더 써요?", "왜 배터리를 덜 써요?"}
    };
    for (String[] pair : pairs) {
      assertThat(compatible(pair[0], pair[1])).as(pair[1]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[0]).isFalse();
    }
    assertThat(compatible("¿Por qué usa más memoria?", "¿Por qué usa tanta más memoria?")).isTrue();
  }

  @Test
  void indianDigitGroupingIsTheIntegerInEnglishAndHindi() {
    // Lakhs and crores, as English is written in India: 12,34,567 is 1234567. It was read as
    // 12.34567 (the last group of three taken as thousands, the first comma as a decimal one).
    assertThat(compatible("Is 12,34,567 rupees enough?", "Is 1,234,567 rupees enough?")).isTrue();
    assertThat(compatible("Is 12,34,567 rupees enough?", "Is 1234567 rupees enough?")).isTrue();
    assertThat(compatible("Is 1,00,000 rupees enough?", "Is 100,000 rupees enough?")).isTrue();
    assertThat(compatible("Is 1,23,456.50 rupees enough?", "Is 123,456.5 rupees enough?")).isTrue();
    // Never another number: one digit apart, a decimal, or the groups read another way.
    assertThat(compatible("Is 12,34,567 rupees enough?", "Is 12,34,568 rupees enough?")).isFalse();
    assertThat(compatible("Is 12,34,567 rupees enough?", "Is 12.34567 rupees enough?")).isFalse();
    assertThat(compatible("Is 12,34,567 rupees enough?", "Is 123,4567 rupees enough?")).isFalse();
    assertThat(compatible("Is 1,23,456.50 rupees enough?", "Is 1,23,456.05 rupees enough?"))
        .isFalse();
    // Hindi text writes them so too.
    assertThat(compatible("क्या 12,34,567 रुपये काफ़ी हैं?", "क्या 1234567 रुपये काफ़ी हैं?"))
        .isTrue();
    assertThat(compatible("क्या 12,34,567 रुपये काफ़ी हैं?", "क्या 12,34,568 रुपये काफ़ी हैं?"))
        .isFalse();
    // In text of another language, or of none that can be told, the shape equals only itself.
    assertThat(
            compatible(
                "Sind 12,34,567 Rupien genug für die Reise?",
                "Sind 1234567 Rupien genug für die Reise?"))
        .isFalse();
    assertThat(
            compatible(
                "Sind 12,34,567 Rupien genug für die Reise?",
                "Sind 12,34,567 Rupien genug für die Reise?"))
        .isTrue();
    assertThat(compatible("12,34,567 + 250 = ?", "1234567 + 250 = ?")).isFalse();
    assertThat(compatible("12,34,567 + 250 = ?", "12.34567 + 250 = ?")).isFalse();
  }

  @Test
  void numbersGroupedEitherWayCompareByValue() {
    // 1.500,5 is how most of Europe writes 1,500.5: the same question, told apart before.
    assertThat(compatible("Is 1.500,5 kg enough?", "Is 1,500.5 kg enough?")).isTrue();
    assertThat(compatible("Is 1.500,5 kg enough?", "Is 1500.5 kg enough?")).isTrue();
    assertThat(compatible("Is 1.234.567,89 enough?", "Is 1,234,567.89 enough?")).isTrue();
    assertThat(compatible("Is 1.234.567 enough?", "Is 1234567 enough?")).isTrue();
    assertThat(compatible("Is 2.500,00 enough?", "Is 2500 enough?")).isTrue();
    assertThat(compatible("Is 1.500,5 kg enough?", "Is 1500.05 kg enough?")).isFalse();
    assertThat(compatible("Is 1.500,5 kg enough?", "Is 15.005 kg enough?")).isFalse();
    // 1.500 is 1500 in Europe and 1.5 in English: equal to neither, only to itself.
    assertThat(compatible("Is 1.500 enough?", "Is 1500 enough?")).isFalse();
    assertThat(compatible("Is 1.500 enough?", "Is 1.5 enough?")).isFalse();
    assertThat(compatible("Is 1.500 enough?", "Is 1.500 really enough?")).isTrue();
    assertThat(compatible("Is 0.500 enough?", "Is 0.5 enough?")).isTrue();
    // Groups that are not groups of three stay as written: versions, addresses, dates.
    assertThat(compatible("What changed in 1.2.3?", "What changed in 1.23?")).isFalse();
    assertThat(compatible("Is 10.0.0.1 private?", "Is 10.0.0.1 a private address?")).isTrue();
    assertThat(compatible("Is 1,50.5 enough?", "Is 150.5 enough?")).isFalse();
  }

  @Test
  void theKoreanProhibitiveIsANegation() {
    // "Delete this file" and "Don't delete this file" (-지 마세요, -지 마, -지 말고): a hit served
    // the opposite instruction. A lone 마 is no name (one character): only the negation tells "이
    // 약을 먹지" (I'd take this medicine) from "이 약을 먹지 마" (don't take it).
    String[][] pairs = {
      {"이 약을 먹지", "이 약을 먹지 마"},
      {"python에서 루프를 쓰지", "python에서 루프를 쓰지 마"},
      {"이 파일을 삭제하세요", "이 파일을 삭제하지 마세요"},
      {"걱정해", "걱정하지 마"},
      {"커피를 마시고 자요", "커피를 마시지 말고 자요"},
      {"로그아웃해요", "로그아웃하지마"}
    };
    for (String[] pair : pairs) {
      assertThat(compatible(pair[0], pair[1])).as(pair[1]).isFalse();
      assertThat(compatible(pair[1], pair[0])).as(pair[0]).isFalse();
      assertThat(compatible(pair[1], pair[1] + " ")).as(pair[1]).isTrue();
    }
    for (String negated : new String[] {"삭제하지 마세요", "가지 마", "걱정하지 말고 자요", "하지마세요", "하지 말아요"}) {
      assertThat(LexicalGuard.profile(negated).negations()).as(negated).isEqualTo(1);
    }
    // 마셔요 (drink) after 까지 (until), and 말고 (other than) after a word not ending in 지.
    for (String plain : new String[] {"어디까지 마셔요?", "이거 말고 저거요", "마지막 페이지"}) {
      assertThat(LexicalGuard.profile(plain).negations()).as(plain).isZero();
    }
  }

  @Test
  void numbersGroupedWithNoBreakSpacesCompareByValue() {
    // 10 000 and 1 500,5 with a no-break space (U+00A0) or a narrow one (U+202F) between groups of
    // three were read as two numbers each: the same question, told apart before.
    String nb = "\u00a0";
    String nnb = "\u202f";
    assertThat(compatible("Is 10" + nb + "000 enough?", "Is 10000 enough?")).isTrue();
    assertThat(compatible("Is 10" + nnb + "000 enough?", "Is 10,000 enough?")).isTrue();
    assertThat(compatible("Is 1" + nb + "500,5 kg enough?", "Is 1500.5 kg enough?")).isTrue();
    assertThat(compatible("Is 1" + nb + "500,5 kg enough?", "Is 1,500.5 kg enough?")).isTrue();
    assertThat(compatible("Is 1" + nnb + "234" + nnb + "567 enough?", "Is 1234567 enough?"))
        .isTrue();
    assertThat(compatible("Is 2" + nb + "500.00 enough?", "Is 2500 enough?")).isTrue();
    assertThat(compatible("Is -10" + nb + "000 enough?", "Is -10000 enough?")).isTrue();
    // By value, so another value is another question.
    assertThat(compatible("Is 10" + nb + "000 enough?", "Is 10" + nb + "001 enough?")).isFalse();
    assertThat(compatible("Is 10" + nb + "000 enough?", "Is 100" + nb + "000 enough?")).isFalse();
    assertThat(compatible("Is 1" + nb + "500,5 kg enough?", "Is 1500.05 kg enough?")).isFalse();
    assertThat(compatible("Is 1" + nb + "500 enough?", "Is 1.500 enough?")).isFalse();
    // Not groups of three after a lead of one to three digits: stay as written.
    assertThat(compatible("Is 1234" + nb + "567 right?", "Is 1234567 right?")).isFalse();
    assertThat(compatible("Is 1" + nb + "12" + nb + "345 right?", "Is 1" + nb + "12345 right?"))
        .isFalse();
    // A plain space is no grouping: "3 100" is a count and a number, never 3100 (a lost hit on
    // "10 000" costs one upstream call; reading "3 100 dollar bills" as 3100 would be a wrong
    // answer).
    assertThat(compatible("I have 3 100 dollar bills", "I have 3100 dollar bills")).isFalse();
    assertThat(compatible("Is 10 000 enough?", "Is 10000 enough?")).isFalse();
    assertThat(compatible("Call 555 123 4567", "Call 555123 4567")).isFalse();
  }

  @Test
  void aWordThatNegatesInOneLanguageIsNoNegationInEnglish() {
    // Spanish "sin", Portuguese "sem", French and Italian "non" counted in English text too: each
    // of these paraphrases was a miss.
    assertThat(compatible("What is the integral of sin x?", "What is the integral of sine x?"))
        .isTrue();
    assertThat(compatible("How do I plot sin(x) in Python?", "How do I plot sine of x in Python?"))
        .isTrue();
    assertThat(
            compatible(
                "Which courses should I take next sem?",
                "Which courses should I take next semester?"))
        .isTrue();
    assertThat(compatible("Is it a non-linear model?", "Is it a nonlinear model?")).isTrue();
    assertThat(compatible("Is it a non linear model?", "Is it a non-linear model?")).isTrue();
    // "non-" still turns a word into its opposite, however it is written.
    assertThat(compatible("Is water a polar molecule?", "Is water a non-polar molecule?"))
        .isFalse();
    assertThat(compatible("Is it a nonlinear model?", "Is it a linear model?")).isFalse();
    assertThat(compatible("Is it a non linear model?", "Is it a linear model?")).isFalse();
    // In their own languages they still negate.
    assertThat(compatible("¿Puedo viajar sin pasaporte?", "¿Puedo viajar con pasaporte?"))
        .isFalse();
    assertThat(compatible("¿Se puede vivir sin agua?", "¿Se puede vivir con agua?")).isFalse();
    assertThat(compatible("Posso viajar sem passaporte?", "Posso viajar com passaporte?"))
        .isFalse();
    assertThat(compatible("Un café sans sucre est-il bon ?", "Un café avec sucre est-il bon ?"))
        .isFalse();
    assertThat(compatible("Il telefono non si carica?", "Il telefono si carica?")).isFalse();
    // And where the language cannot be told, they count: a miss costs less than a wrong answer.
    assertThat(compatible("café sin azucar", "café azucar")).isFalse();
  }
}
