package dev.switchboard.gateway.refusal;

import java.util.List;
import java.util.regex.Pattern;

/**
 * The phrase patterns of {@link RefusalDetector}, per language, written against normalised text
 * (see {@link RefusalDetector#normalise}: lower case, {@code '} and {@code "} only, one space
 * between words, ASCII punctuation for CJK).
 *
 * <p>Each pattern names a declining speaker and a declining verb aimed at the request ("I can't
 * help / assist / provide that / comply", "je ne peux pas vous aider", "我无法提供", "お答えできません"), or a
 * declared refusal ("I must decline", "violates my usage policies"). Verbs that only state a limit
 * ("access the internet", "browse", "be sure", "divide by zero") are left out on purpose: the
 * answers they open are not refusals.
 *
 * <p>Every rule carries trigger substrings, at least one of which occurs in every text its pattern
 * matches; the regular expression runs only when a trigger is present, which keeps the common case
 * (an answer that declines nothing) at one pass over the text ({@link TriggerScan}). {@code
 * RefusalDetectorTest} checks that the triggers never hide a match on the labelled set.
 */
final class RefusalRules {

  private RefusalRules() {}

  static final List<String> LANGUAGES = List.of("en", "zh", "fr", "de", "es", "ja", "pt", "it");

  /**
   * One precompiled pattern of one language with the substrings that gate it.
   *
   * @param cjk the pattern needs Chinese or Japanese characters (skipped for text without any)
   */
  record Rule(String language, boolean cjk, Pattern pattern, String... triggers) {

    /**
     * Whether a trigger of this rule occurs in {@code normalised}: the definition, one search per
     * trigger; the detector computes it for all rules in one pass ({@link TriggerScan}), and the
     * tests check that both agree.
     */
    boolean triggeredBy(String normalised) {
      for (String t : triggers) {
        if (normalised.contains(t)) {
          return true;
        }
      }
      return false;
    }
  }

  /** No letter before: a word start, for languages with spaces. */
  private static final String W = "(?<![\\p{L}'])";

  /**
   * The word "i" (English): the letter first and the check on the character before it second, so
   * the scan rejects most positions on one character comparison.
   */
  private static final String I = "i(?<![\\p{L}']i)";

  /** No letter after: a word end. */
  private static final String E = "(?![\\p{L}])";

  private static Rule rule(String language, String regex, String... triggers) {
    boolean cjk = language.equals("zh") || language.equals("ja");
    return new Rule(language, cjk, Pattern.compile(regex), triggers);
  }

  private static String any(String... alternatives) {
    return "(?:" + String.join("|", alternatives) + ")";
  }

  // ---- English ----------------------------------------------------------------------------

  /** "i can't", "i'm unable to", "i won't be able to", "i'd rather not", ... */
  private static final String EN_CANNOT =
      I
          + any(
              " (?:can't|cannot|can not|won't|will not|couldn't|could not)"
                  + "(?: and (?:won't|will not|shouldn't|should not))?",
              " (?:won't|will not) be able to",
              "(?:'m| am) not going to be able to",
              " (?:don't|do not) think i (?:should|can|could)",
              "(?:'m| am) (?:not able|unable|not going|not allowed|not permitted|not in a position)"
                  + " to",
              "(?:'d| would) (?:rather not|prefer not to)")
          + "(?: (?:really|simply|just|unfortunately|currently|personally|in good conscience"
          + "|ethically|actually|legally|safely|directly))*";

  /** Verbs whose object is the request itself. */
  private static final String EN_VERB =
      any(
          "help(?! (?:but|thinking|wondering|feeling|noticing|it|myself|laughing|smiling))" + E,
          "assist" + E,
          "comply",
          "fulfil",
          "oblige",
          "participate",
          "go along with",
          "be (?:of )?(?:help|assistance|involved|part of)",
          "support (?:that|this|you (?:with|in)|your|such|requests?)",
          "do (?:that|this|it|so|what you)" + E,
          "engage (?:in|with)",
          "continue (?:this|with|down|in that|that)",
          "answer (?:that|this|your|such)",
          "(?:walk you through|guide you|teach you|show you how|tell you how|explain how)",
          "(?:create|write|generate|produce|draft|compose)" + E,
          "(?:provide|give|share|offer|supply|disclose|reveal)(?: you)?(?: with)? "
              + any(
                  "(?:that|this|it|such|those|these|any|instructions|guidance|assistance|help)" + E,
                  "information (?:on|about|regarding|for)",
                  "details (?:on|about)",
                  "(?:the|specific|detailed|step-by-step) (?:information|details|instructions"
                      + "|steps|content|code|guidance)",
                  "(?:[\\p{L}-]+ ){0,2}(?:advice|instructions|guidance)" + E));

  private static final String EN_GERUND =
      any(
          "with (?:that|this|it)",
          "helping",
          "assisting",
          "writing",
          "creating",
          "generating",
          "providing",
          "sharing",
          "doing",
          "producing",
          "answering",
          "engaging",
          "continuing");

  private static final List<Rule> ENGLISH =
      List.of(
          rule("en", EN_CANNOT + " " + EN_VERB, "n't", "not", "unable"),
          rule(
              "en",
              I + any("(?:'m| am) not", " (?:don't|do not) feel") + " comfortable " + EN_GERUND,
              "comfortable"),
          rule(
              "en",
              "(?:'s not| is not| isn't| are not| aren't) something (?:that )?i"
                  + any(
                      "'ll",
                      "'d",
                      "(?:'m| am) (?:able|willing|going) to",
                      " can",
                      " could",
                      " will",
                      " would",
                      "")
                  + " (?:help|assist|do|provide|support|write|create|generate|engage|comply"
                  + "|participate)"
                  + E,
              "something i",
              "something that i"),
          rule(
              "en",
              I
                  + "(?:'ll|'d|'m| am)?(?: (?:must|have to|need to|will|would|going to|respectfully"
                  + "|politely|therefore|unfortunately))* (?:decline|refuse|pass on (?:this|that|it))"
                  + E,
              "decline",
              "refuse",
              "pass on"),
          rule(
              "en",
              any(
                  "(?:violates?|violating|goes against|is against|'s against|are against|contrary to"
                      + "|in violation of) (?:my|our|openai's|anthropic's|google's|mistral's)"
                      + " (?:[\\p{L}-]+ )?(?:guidelines|policies|policy|principles|programming"
                      + "|rules|values)",
                  "(?:violates?|violating|against) the (?:usage|content|safety|acceptable use)"
                      + " (?:guidelines|policies|policy)"),
              "against",
              "violat",
              "contrary"),
          rule(
              "en",
              "(?<![\\p{L}'])(?<!you )(?<!we )(?<!they )(?:can't|cannot|unable to) (?:help|assist)"
                  + "(?: you)? with (?:that|this|it|your request|this request)"
                  + E,
              "with that",
              "with this",
              "with it",
              "with your request"),
          rule(
              "en",
              I
                  + any(" (?:won't|will not) be", "(?:'m| am) not going to be", "(?:'m| am) not")
                  + " (?:helping|assisting|creating|writing|generating|providing|producing"
                  + "|sharing|engaging|doing (?:that|this|it))"
                  + E,
              "n't",
              "not"),
          rule(
              "en",
              W
                  + "as an ai(?: [\\p{L}-]+){0,3},? i"
                  + any(
                      " (?:can't|cannot|can not|won't|will not|must not)",
                      "(?:'m| am) (?:not able|unable|not allowed|not permitted) to")
                  + E,
              "as an ai"));

  // ---- Chinese (simplified) ---------------------------------------------------------------

  private static final String ZH_VERB =
      "(?:帮助|帮忙|帮|协助|提供|满足|回答|答复|完成|参与|生成|编写|撰写|创作|执行|处理|支持|配合|做|写|透露|分享|告诉|给出|回应|响应|教)";

  private static final List<Rule> CHINESE =
      List.of(
          rule(
              "zh",
              "(?:我|本助手)(?:目前|暂时|实在|真的|恐怕|确实|也|就|还是|并)?"
                  + "(?:不能够|不能|无法|不可以|没办法|没法|不便|不会|不可能|不予)"
                  + "(?:为你|为您|给你|给您|帮你|帮您|替你|替您|向你|向您|就此|对此|在这方面|在这个问题上|直接|再)?"
                  + ZH_VERB,
              "不",
              "无法",
              "没"),
          rule(
              "zh",
              "(?:抱歉|对不起|不好意思|遗憾)[^.!?]{0,12}?(?:无法|不能|没办法|不便)"
                  + "(?:为你|为您|帮你|帮您|给你|给您)?"
                  + ZH_VERB,
              "抱歉",
              "对不起",
              "不好意思",
              "遗憾"),
          rule("zh", "还没(?:有)?学会(?:回答|处理|解答)", "学会"),
          rule("zh", "(?:我|本助手)(?:必须|只能|不得不|需要|要|只好)?(?:拒绝|婉拒|谢绝)", "绝"),
          rule(
              "zh",
              "(?:违反|违背|不符合|有违)了?(?:我的|我们的|平台的|相关的?)?(?:使用|内容|安全|服务|社区|道德)?" + "(?:政策|准则|规范|原则|条款)",
              "违",
              "不符合"));

  // ---- Japanese ---------------------------------------------------------------------------

  private static final List<Rule> JAPANESE =
      List.of(
          rule(
              "ja",
              "(?=[お手ご協提回答応対作教サ支引書生共])(?:お手伝い|手伝う(?:こと)?|ご協力|協力|ご提供|提供|ご回答|回答|お答え|答える(?:こと)?|お応え|応える(?:こと)?"
                  + "|ご対応|対応|作成|お教え|教える(?:こと)?|ご案内|サポート|支援|お引き受け|引き受ける(?:こと)?"
                  + "|応じる(?:こと)?|書く(?:こと)?|生成|共有|お伝え)"
                  + "(?:する(?:こと)?)?(?:は|が|も|には|に)?"
                  + "(?:できません|できかねます|いたしかねます|致しかねます|しかねます|出来ません)",
              "できません",
              "かねます",
              "出来ません"),
          rule(
              "ja",
              "(?:控えさせて(?:いただき|頂き)ます|お断り(?:いたします|します|させていただきます|申し上げます)"
                  + "|ご遠慮(?:いたします|させていただきます))",
              "控えさせて",
              "お断り",
              "ご遠慮"),
          rule("ja", "(?:ポリシー|ガイドライン|規約)に(?:反|違反|抵触)", "ポリシー", "ガイドライン", "規約"));

  // ---- French -----------------------------------------------------------------------------

  private static final String FR_VERB =
      "(?:(?:vous|te|y|en|lui|leur) |t'|l')*"
          + any(
              "aider",
              "assister",
              "accompagner",
              "fournir",
              "répondre",
              "donner",
              "rédiger",
              "écrire",
              "créer",
              "générer",
              "produire",
              "satisfaire",
              "accéder à (?:cette|votre|ta) (?:demande|requête)",
              "faire (?:ça|cela|ceci)",
              "participer",
              "partager",
              "contribuer",
              "apporter",
              "prêter",
              "accepter",
              "communiquer",
              "proposer")
          + E;

  private static final List<Rule> FRENCH =
      List.of(
          rule(
              "fr",
              any(
                      W
                          + "je ne (?:peux|pourrai|pourrais|vais|saurais|puis)(?: (?:malheureusement|donc"
                          + "|hélas|absolument|vraiment|certainement|en aucun cas))? pas ",
                      W
                          + "je ne suis (?:malheureusement )?pas (?:en mesure|autorisée?|habilitée?|censée?)"
                          + " (?:de |d'|à )",
                      W + "(?:il m'est|c'est|il est) (?:malheureusement )?impossible (?:de |d')")
                  + FR_VERB,
              "je ne",
              "impossible"),
          rule(
              "fr",
              W
                  + "(?:ce|ça|cela) n'est pas (?:quelque chose|une chose|un sujet|une demande)"
                  + " (?:que|sur lequel|pour lequel|avec lequel|à laquelle) je (?:peux|pourrais|puis|vais"
                  + "|suis en mesure)",
              "n'est pas"),
          rule(
              "fr",
              W
                  + "je "
                  + any(
                      "(?:dois|me dois de|me vois (?:dans l'obligation|contrainte?) de|vais devoir)"
                          + " (?:respectueusement |poliment )?(?:refuser|décliner)",
                      "refuse de",
                      "décline")
                  + E,
              "refuse",
              "décline"),
          rule(
              "fr",
              any(
                  "(?:à l'encontre|contraire|contraires|en violation) (?:de|à|des) (?:mes|nos)"
                      + " (?:[\\p{L}-]+ )?(?:règles|principes|directives|consignes|lignes directrices"
                      + "|politiques|conditions)",
                  "(?:enfreint|enfreindrait|viole|violerait) (?:mes|nos) (?:[\\p{L}-]+ )?(?:règles"
                      + "|principes|directives|consignes|politiques)"),
              "encontre",
              "contraire",
              "violation",
              "enfrein",
              "viol"));

  // ---- German -----------------------------------------------------------------------------

  private static final String DE_VERB =
      any(
          "helfen",
          "behilflich",
          "unterstützen",
          "weiterhelfen",
          "nachkommen",
          "erfüllen",
          "beantworten",
          "bereitstellen",
          "liefern",
          "erstellen",
          "verfassen",
          "schreiben",
          "generieren",
          "geben",
          "tun",
          "machen",
          "mitwirken",
          "anbieten",
          "mitmachen",
          "beteiligen",
          "teilen",
          "weitergeben");

  private static final List<Rule> GERMAN =
      List.of(
          rule(
              "de",
              W
                  + "(?:ich kann|kann ich|ich werde|werde ich|ich darf|darf ich|ich möchte|möchte ich"
                  + "|ich will|will ich)(?: [\\p{L}-]+){0,6}? (?:nicht|keine|keinen|kein|keiner"
                  + "|keinerlei)(?: [\\p{L}-]+){0,6}? "
                  + DE_VERB
                  + E,
              "nicht",
              "kein"),
          rule(
              "de",
              W
                  + "(?:wobei|womit|bei dem|bei der|dabei|damit|hierbei|hiermit|da|das) ich"
                  + " (?:dir |ihnen |euch )?(?:leider |dabei |damit )*(?:nicht|keine)"
                  + " (?:helfen|behilflich sein|weiterhelfen|unterstützen|tun|machen)"
                  + " (?:kann|darf|werde|möchte)"
                  + E,
              "nicht",
              "keine"),
          rule(
              "de",
              W
                  + "ich bin (?:leider )?nicht (?:in der lage|befugt|berechtigt|dazu da)[^.!?]{0,60}?"
                  + any(
                      "zu helfen",
                      "behilflich",
                      "zu unterstützen",
                      "weiterzuhelfen",
                      "nachzukommen",
                      "zu erfüllen",
                      "zu beantworten",
                      "bereitzustellen",
                      "zu liefern",
                      "zu erstellen",
                      "zu verfassen",
                      "zu schreiben",
                      "zu generieren",
                      "zu geben",
                      "zu tun"),
              "ich bin"),
          rule(
              "de",
              W
                  + any(
                      "(?:ich muss|muss ich)(?: [\\p{L}-]+){0,4}? (?:ablehnen|verweigern|zurückweisen)",
                      "(?:ich lehne|lehne ich) (?:das|dies|diese anfrage|diese bitte|es)"
                          + "(?: [\\p{L}]+)? ab")
                  + E,
              "ablehn",
              "verweiger",
              "zurückweis",
              "lehne"),
          rule(
              "de",
              "(?:verstößt|verstoßen|widerspricht|widersprechen) (?:gegen )?(?:meine|meinen|unsere"
                  + "|unseren) (?:[\\p{L}-]+ )?(?:richtlinien|grundsätze|grundsätzen|regeln"
                  + "|nutzungsbedingungen|nutzungsrichtlinien|prinzipien)",
              "verstößt",
              "verstoßen",
              "widerspr"));

  // ---- Spanish ----------------------------------------------------------------------------

  private static final List<Rule> SPANISH =
      List.of(
          rule(
              "es",
              W
                  + any(
                      "no (?:puedo|podré|podría|voy a|me es posible|estoy en (?:condiciones|posición)"
                          + " de|estoy autorizad[oa] (?:a|para)|me siento cómod[oa])",
                      "me es imposible",
                      "me resulta imposible")
                  + "(?: [\\p{L}]+){0,2}? "
                  + any(
                      "ayudar(?:te|le|lo|la|les|os)?",
                      "asistir(?:te|le)?",
                      "proporcionar(?:te|le|les)?",
                      "brindar(?:te|le)?",
                      "dar(?:te|le|les)?",
                      "facilitar(?:te|le)?",
                      "cumplir",
                      "complacer(?:te|le)?",
                      "atender",
                      "responder",
                      "generar",
                      "crear",
                      "escribir",
                      "redactar",
                      "hacer (?:eso|esto)",
                      "hacerlo",
                      "participar",
                      "colaborar",
                      "ofrecer(?:te|le)?",
                      "compartir",
                      "apoyar")
                  + E,
              "no puedo",
              "no podr",
              "no voy a",
              "no me es posible",
              "no estoy",
              "no me siento",
              "imposible"),
          rule(
              "es",
              W
                  + "no es algo (?:con lo que|en lo que|que|con lo cual) (?:yo )?(?:pueda|puedo|podría"
                  + "|vaya a|voy a)",
              "no es algo"),
          rule(
              "es",
              W
                  + any(
                      "(?:debo|tengo que|tendré que|me veo obligad[oa] a) (?:rechazar|declinar|negarme)",
                      "me niego a")
                  + E,
              "rechazar",
              "declinar",
              "negarme",
              "me niego"),
          rule(
              "es",
              any(
                  "(?:va|iría|está|van|están) en contra de (?:mis|nuestras) (?:[\\p{L}]+ )?"
                      + "(?:directrices|políticas|normas|pautas|principios)",
                  "(?:viola|violaría|infringe|infringiría) (?:mis|nuestras) (?:[\\p{L}]+ )?"
                      + "(?:directrices|políticas|normas|pautas|principios)"),
              "en contra de",
              "viola",
              "infring"));

  // ---- Portuguese -------------------------------------------------------------------------

  private static final List<Rule> PORTUGUESE =
      List.of(
          rule(
              "pt",
              W
                  + any(
                      "não (?:posso|consigo|poderei|poderia|vou|me é possível|estou autorizad[oa] a"
                          + "|tenho como|estou em condições de)",
                      "é-me impossível",
                      "me é impossível")
                  + "(?: [\\p{L}-]+){0,2}? "
                  + any(
                      "ajudar",
                      "ajudá-l[oa]",
                      "auxiliar",
                      "fornecer",
                      "dar",
                      "atender",
                      "cumprir",
                      "responder",
                      "gerar",
                      "criar",
                      "escrever",
                      "redigir",
                      "fazer isso",
                      "participar",
                      "colaborar",
                      "oferecer",
                      "prestar",
                      "compartilhar",
                      "partilhar",
                      "apoiar")
                  + E,
              "não ",
              "impossível"),
          rule(
              "pt",
              W + "não é algo (?:com que|em que|que|com o qual) (?:eu )?(?:possa|posso|poderia|vá)",
              "não é algo"),
          rule(
              "pt",
              W
                  + any(
                      "(?:preciso|devo|tenho de|tenho que|vou ter de|vou ter que) (?:recusar|declinar)",
                      "(?:recuso-me|me recuso) a")
                  + E,
              "recus",
              "declinar"),
          rule(
              "pt",
              any(
                  "(?:vai|iria|está|vão) contra (?:as )?(?:minhas|nossas) (?:[\\p{L}]+ )?"
                      + "(?:diretrizes|políticas|normas|regras|princípios)",
                  "(?:viola|violaria) (?:as )?(?:minhas|nossas) (?:[\\p{L}]+ )?"
                      + "(?:diretrizes|políticas|normas|regras)"),
              "contra",
              "viola"));

  // ---- Italian ----------------------------------------------------------------------------

  private static final List<Rule> ITALIAN =
      List.of(
          rule(
              "it",
              W
                  + any(
                      "non (?:posso|riesco a|sono in grado di|mi è possibile|sono autorizzat[oa] a"
                          + "|ti posso|le posso|vi posso|potrò|potrei|me la sento di)",
                      "mi è impossibile")
                  + "(?: [\\p{L}']+){0,2}? "
                  + any(
                      "aiutar(?:ti|la|vi|e|lo)",
                      "assister(?:ti|la|e)",
                      "fornir(?:e|ti|le)",
                      "dar(?:e|ti|le)",
                      "soddisfare",
                      "rispondere",
                      "generare",
                      "creare",
                      "scrivere",
                      "redigere",
                      "fare questo",
                      "farlo",
                      "partecipare",
                      "collaborare",
                      "offrire",
                      "accontentar(?:ti|la)")
                  + E,
              "non ",
              "impossibile"),
          rule(
              "it",
              W + "non è qualcosa (?:con cui|in cui|che|per cui) (?:io )?(?:possa|posso|potrei)",
              "non è qualcosa"),
          rule(
              "it",
              W
                  + any(
                      "devo (?:rifiutare|declinare)",
                      "mi rifiuto di",
                      "sono costrett[oa] a rifiutare")
                  + E,
              "rifiut",
              "declinare"),
          rule(
              "it",
              any(
                  "(?:va|andrebbe|è) contro (?:le )?(?:mie|nostre) (?:[\\p{L}]+ )?"
                      + "(?:linee guida|politiche|regole|norme|principi)",
                  "(?:viola|violerebbe) (?:le )?(?:mie|nostre) (?:[\\p{L}]+ )?"
                      + "(?:linee guida|politiche|regole|norme)"),
              "contro",
              "viola"));

  /**
   * A turn, right after a declining phrase, to the help that was asked for: "…, but here are some
   * general principles", "mais voici", "aber hier sind", "pero aquí tienes", "但以下是", "が、一般的な…". A
   * turn to something else ("but I can help you study instead") is not one.
   */
  static final Pattern HELP_PIVOT =
      Pattern.compile(
          any(
              W
                  + "(?:but|however|though|that said|still),? "
                  + any(
                      "here(?:'s| is| are)",
                      "below",
                      "in general",
                      "generally",
                      "typically",
                      "as of",
                      "based on",
                      "according to",
                      "i can (?:give|offer|share|provide|tell|explain|outline|describe)(?: you)?"
                          + " (?:some |a |an )?(?:general|overview|outline)"),
              W
                  + "(?:mais|cependant|toutefois|néanmoins),? "
                  + any(
                      "voici",
                      "voilà",
                      "en général",
                      "généralement",
                      "d'après",
                      "selon",
                      "je peux (?:vous |te )?(?:donner|proposer|présenter|expliquer) (?:quelques |des )?"
                          + "(?:principes|conseils|informations|pistes) généra"),
              W
                  + "(?:aber|jedoch|allerdings|doch),? "
                  + any(
                      "hier",
                      "im allgemeinen",
                      "generell",
                      "grundsätzlich",
                      "nach meinem",
                      "laut",
                      "folgende",
                      "ich kann (?:dir |ihnen )?(?:einige )?allgemeine"),
              W
                  + "(?:pero|sin embargo|no obstante),? "
                  + any(
                      "aquí",
                      "aqui",
                      "a continuación",
                      "en general",
                      "generalmente",
                      "según",
                      "(?:te |le )?puedo (?:dar|ofrecer|darte|ofrecerte) (?:algunos |algunas )?"
                          + "(?:principios|consejos|pautas|información) general"),
              W
                  + "(?:mas|porém|no entanto|contudo),? (?:aqui|a seguir|em geral|geralmente|segundo)",
              W + "(?:ma|però|tuttavia),? (?:ecco|qui|in generale|generalmente|secondo)",
              "(?:但是|但|不过),?(?:以下|下面|这里|一般来说|通常|根据|我可以(?:为你|为您|给你|给您)?(?:提供|介绍|分享)(?:一些)?"
                  + "(?:一般|通用|基本|常见))",
              "(?:が|けれど(?:も)?|けど|ただし|しかし),?(?:一般的|以下|こちら|参考|学習データ|私の知識|一般論)"));

  /** The rules of every language, English first (the most frequent). */
  static List<Rule> standard() {
    return java.util.stream.Stream.of(
            ENGLISH, CHINESE, FRENCH, GERMAN, SPANISH, JAPANESE, PORTUGUESE, ITALIAN)
        .flatMap(List::stream)
        .toList();
  }
}
