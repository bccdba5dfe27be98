#!/usr/bin/env python3
"""Generates semantic-cache-eval.jsonl: labelled request pairs for the semantic cache (issue 18).

Fixed seed; run from this directory: python3 generate_eval_set.py > semantic-cache-eval.jsonl
Each line: {"category", "label": "same"|"different", "a": request, "b": request}, where a request is
{"system", "history": [[role, text], ...], "user"}; "a" is stored, "b" asks. "same" pairs should be
served from the cache (true repeats, paraphrases), "different" pairs must never be (the traps).
"""
import json
import random

rng = random.Random(18)

SERVICES = ["Gmail", "GitHub", "Slack", "Dropbox", "Netflix", "Spotify", "Zoom", "Jira",
            "Outlook", "LinkedIn", "PayPal", "Shopify", "Notion", "Trello", "Salesforce"]
DEVICES = ["iPhone", "Pixel", "MacBook", "ThinkPad", "Kindle", "PlayStation", "Chromebook", "iPad"]
LANGS = ["Python", "Java", "Rust", "Go", "JavaScript", "Kotlin", "Ruby", "Swift", "TypeScript", "C#"]
CITIES = ["Paris", "Berlin", "Tokyo", "Madrid", "Rome", "Lisbon", "Vienna", "Prague", "Oslo",
          "Dublin", "Warsaw", "Athens", "Cairo", "Lima", "Seoul", "Toronto"]
COUNTRIES = ["France", "Germany", "Japan", "Spain", "Italy", "Portugal", "Austria", "Norway",
             "Ireland", "Poland", "Greece", "Egypt", "Peru", "Canada", "Brazil", "Kenya"]
PEOPLE = ["Marie Curie", "Alan Turing", "Ada Lovelace", "Isaac Newton", "Nikola Tesla",
          "Charles Darwin", "Grace Hopper", "Albert Einstein", "Rosalind Franklin", "Galileo"]
CURRENCIES = [("USD", "EUR"), ("GBP", "JPY"), ("EUR", "CHF"), ("CAD", "USD"), ("AUD", "NZD")]
FEATURES = ["two-factor authentication", "dark mode", "auto-renewal", "location sharing",
            "read receipts", "automatic updates", "email notifications", "cloud backup",
            "guest access", "single sign-on"]

# Intents: paraphrase sets over one slot kind. {x} is the slot.
INTENTS = [
    ("service", ["How do I reset my {x} password?",
                 "What are the steps to reset my {x} password?",
                 "I forgot my {x} password. How can I reset it?",
                 "How can I reset the password of my {x} account?"]),
    ("service", ["How do I delete my {x} account permanently?",
                 "What is the way to permanently delete a {x} account?",
                 "How can I permanently remove my {x} account?",
                 "Steps to permanently delete my {x} account?"]),
    ("service", ["How do I export my data from {x}?",
                 "How can I export all of my data out of {x}?",
                 "What's the way to get an export of my {x} data?"]),
    ("service", ["Why can't I log in to {x}?",
                 "Why am I unable to log in to {x}?",
                 "What could stop me from logging in to {x}?"]),
    ("device", ["How do I take a screenshot on my {x}?",
                "What's the way to take a screenshot on a {x}?",
                "How can I capture a screenshot on my {x}?",
                "How to take a screenshot with a {x}?"]),
    ("device", ["My {x} battery drains fast, what can I do?",
                "What can I do about my {x} battery draining quickly?",
                "How do I stop my {x} battery from draining so fast?"]),
    ("device", ["How do I factory reset my {x}?",
                "What are the steps for a factory reset of a {x}?",
                "How can I restore my {x} to factory settings?"]),
    ("lang", ["How do I read a file line by line in {x}?",
              "What's the best way to read a file line by line in {x}?",
              "In {x}, how can I read a file one line at a time?",
              "How to read a text file line by line using {x}?"]),
    ("lang", ["How do I sort a list of numbers in {x}?",
              "What is the way to sort a list of numbers in {x}?",
              "In {x}, how can I sort a list of numbers?"]),
    ("lang", ["How do I parse JSON in {x}?",
              "What's the simplest way to parse JSON in {x}?",
              "How can I parse a JSON string in {x}?"]),
    ("lang", ["How do I make an HTTP request in {x}?",
              "What's the way to send an HTTP request from {x}?",
              "How can I call a REST API over HTTP in {x}?"]),
    ("city", ["What is the weather usually like in {x} in spring?",
              "How is the weather in {x} during spring, typically?",
              "What weather should I expect in {x} in the spring?"]),
    ("city", ["What are the best things to do in {x}?",
              "What are the top things to do in {x}?",
              "Which things should I do when visiting {x}?",
              "What should I not miss when I visit {x}?"]),
    ("city", ["How do I get from the airport to the center of {x}?",
              "What's the best way to get from the airport to central {x}?",
              "How can I travel from the airport into the center of {x}?"]),
    ("country", ["What is the capital of {x}?",
                 "Which city is the capital of {x}?",
                 "What's the capital city of {x}?",
                 "Tell me the capital of {x}."]),
    ("country", ["What language is spoken in {x}?",
                 "Which language do people speak in {x}?",
                 "What is the main language of {x}?"]),
    ("country", ["Do I need a visa to visit {x}?",
                 "Is a visa required to travel to {x}?",
                 "Do I have to get a visa for a trip to {x}?"]),
    ("person", ["What is {x} famous for?",
                "Why is {x} famous?",
                "What is {x} best known for?",
                "What made {x} famous?"]),
    ("person", ["When was {x} born?",
                "What year was {x} born?",
                "In which year was {x} born?"]),
    ("person", ["Give me a short biography of {x}.",
                "Write a short biography of {x}.",
                "Can you give me a brief biography of {x}?"]),
]

# Number intents: {n} a number slot. Swapping the number changes the answer.
NUMBER_INTENTS = [
    ["What is {n} divided by 7?", "How much is {n} divided by 7?", "Calculate {n} divided by 7."],
    ["Is a ${n} monthly budget enough for groceries for a family of four?",
     "Can a family of four buy groceries on ${n} a month?",
     "Is ${n} per month enough to cover groceries for a family of four?"],
    ["What is the tax on a ${n} purchase at 8 percent?",
     "How much tax would I pay at 8 percent on a ${n} purchase?",
     "Compute 8 percent tax on a purchase of ${n}."],
    ["Convert {n} kilometers to miles.", "How many miles is {n} kilometers?",
     "What is {n} km in miles?"],
    ["How many calories do I burn walking {n} minutes?",
     "How many calories are burned by {n} minutes of walking?",
     "Calories burned in a {n} minute walk?"],
    ["Is {n} a prime number?", "Is the number {n} prime?", "Tell me whether {n} is prime."],
    ["What was the population of the world in {n}?",
     "How many people lived on Earth in {n}?",
     "World population in the year {n}?"],
]
NUMBER_SWAPS = [("500", "5,000"), ("50", "15"), ("12", "21"), ("100", "1000"), ("3", "30"),
                ("250", "2,500"), ("7", "17"), ("1999", "2009"), ("64", "46"), ("40", "400"),
                ("1,200", "12,000"), ("85", "58"), ("9", "90"), ("365", "356"), ("2", "20")]

# Negation pairs: (positive, negated) over a slot.
NEGATIONS = [
    ("device", "Why is my {x} charging slowly?", "Why is my {x} not charging?"),
    ("service", "Why are my {x} notifications arriving?", "Why are my {x} notifications not arriving?"),
    ("lang", "Should I use {x} for my next backend project?", "Should I not use {x} for my next backend project?"),
    ("country", "Can I drink the tap water in {x}?", "Can I not drink the tap water in {x}?"),
    ("service", "What happens if I pay my {x} bill?", "What happens if I don't pay my {x} bill?"),
    ("device", "My {x} turns on, what should I check?", "My {x} won't turn on, what should I check?"),
    ("city", "Is it safe to walk around {x} at night?", "Is it never safe to walk around {x} at night?"),
    ("lang", "Is {x} a good first programming language?", "Is {x} not a good first programming language?"),
    ("service", "Is my {x} data encrypted at rest?", "Is my {x} data not encrypted at rest?"),
    ("person", "Did {x} win a Nobel Prize?", "Did {x} never win a Nobel Prize?"),
    ("service", "How do I sign in to {x} with a password?", "How do I sign in to {x} without a password?"),
    ("device", "Can I use my {x} with a case?", "Can I use my {x} without a case?"),
]

# Antonym pairs: (one, its opposite).
ANTONYMS = [
    ("feature", "How do I enable {x}?", "How do I disable {x}?"),
    ("feature", "How can I turn on {x}?", "How can I turn off {x}?"),
    ("feature", "What are the benefits of enabling {x}?", "What are the benefits of disabling {x}?"),
    ("service", "How do I allow {x} to access my contacts?", "How do I block {x} from accessing my contacts?"),
    ("service", "How do I upgrade my {x} plan?", "How do I downgrade my {x} plan?"),
    ("service", "How do I increase the storage limit in {x}?", "How do I decrease the storage limit in {x}?"),
    ("service", "How do I add a member to my {x} workspace?", "How do I remove a member from my {x} workspace?"),
    ("service", "How do I subscribe to {x} Premium?", "How do I unsubscribe from {x} Premium?"),
    ("lang", "How do I encrypt a string in {x}?", "How do I decrypt a string in {x}?"),
    ("lang", "How do I encode a URL in {x}?", "How do I decode a URL in {x}?"),
    ("lang", "How do I compress a file in {x}?", "How do I decompress a file in {x}?"),
    ("device", "How do I lock my {x} remotely?", "How do I unlock my {x} remotely?"),
    ("city", "What is the cheapest hotel area in {x}?", "What is the most expensive hotel area in {x}?"),
    ("city", "What is the hottest month in {x}?", "What is the coldest month in {x}?"),
    ("service", "How do I upload files to {x}?", "How do I download files from {x}?"),
    ("lang", "How do I convert a string to uppercase in {x}?", "How do I convert a string to lowercase in {x}?"),
    ("city", "What is the best time of year to visit {x}?", "What is the worst time of year to visit {x}?"),
]

# Direction swaps (same words, other order) and two-slot entity swaps.
DIRECTION = [
    "Convert 100 {a} to {b}.",
    "What is the exchange rate from {a} to {b}?",
]
ROUTE = ["How long is the flight from {a} to {b}?", "What is the cheapest way to travel from {a} to {b}?"]

SLOTS = {"service": SERVICES, "device": DEVICES, "lang": LANGS, "city": CITIES,
         "country": COUNTRIES, "person": PEOPLE, "feature": FEATURES}

SYSTEMS = ["You are a helpful assistant.", "You are a terse assistant. Answer in one sentence.",
           "You are a pirate. Answer like a pirate.", "Answer only in French.",
           "You are a customer support agent for Acme Corp.", "Reply with JSON only."]


def req(user, system=None, history=None):
    return {"system": system if system is not None else SYSTEMS[0],
            "history": history or [], "user": user}


def pair(category, label, a, b):
    return {"category": category, "label": label, "a": a, "b": b}


def trivial_variant(text):
    """A true repeat as users type it again: case, punctuation, spacing, a polite word."""
    choice = rng.randrange(5)
    if choice == 0:
        return text.lower()
    if choice == 1:
        return text.rstrip("?.!") if text[-1] in "?.!" else text + "?"
    if choice == 2:
        return "  " + text.replace(" ", "  ", 1) + " "
    if choice == 3:
        return "Please, " + text[0].lower() + text[1:]
    return text


pairs = []

# True repeats: 450
for _ in range(450):
    kind, phrasings = rng.choice(INTENTS)
    x = rng.choice(SLOTS[kind])
    t = rng.choice(phrasings).format(x=x)
    pairs.append(pair("repeat", "same", req(t), req(trivial_variant(t))))

# Paraphrases: 600 (same intent, same slot, different phrasing)
for _ in range(560):
    kind, phrasings = rng.choice(INTENTS)
    x = rng.choice(SLOTS[kind])
    p, q = rng.sample(phrasings, 2)
    pairs.append(pair("paraphrase", "same", req(p.format(x=x)), req(q.format(x=x))))
for _ in range(40):
    phrasings = rng.choice(NUMBER_INTENTS)
    n = rng.choice(NUMBER_SWAPS)[0]
    p, q = rng.sample(phrasings, 2)
    pairs.append(pair("paraphrase", "same", req(p.format(n=n)), req(q.format(n=n))))

# Negation: 250
for _ in range(250):
    kind, pos, neg = rng.choice(NEGATIONS)
    x = rng.choice(SLOTS[kind])
    a, b = (pos, neg) if rng.random() < 0.5 else (neg, pos)
    pairs.append(pair("negation", "different", req(a.format(x=x)), req(b.format(x=x))))

# Antonyms: 250
for _ in range(250):
    kind, one, other = rng.choice(ANTONYMS)
    x = rng.choice(SLOTS[kind])
    a, b = (one, other) if rng.random() < 0.5 else (other, one)
    pairs.append(pair("antonym", "different", req(a.format(x=x)), req(b.format(x=x))))

# Swapped numbers: 250
for _ in range(250):
    phrasings = rng.choice(NUMBER_INTENTS)
    t = rng.choice(phrasings)
    m, n = rng.choice(NUMBER_SWAPS)
    if rng.random() < 0.5:
        m, n = n, m
    pairs.append(pair("numbers", "different", req(t.format(n=m)), req(t.format(n=n))))

# Swapped entities: 300 (same phrasing, other slot value; and direction swaps)
for _ in range(240):
    kind, phrasings = rng.choice(INTENTS)
    x, y = rng.sample(SLOTS[kind], 2)
    t = rng.choice(phrasings)
    pairs.append(pair("entities", "different", req(t.format(x=x)), req(t.format(x=y))))
for _ in range(60):
    if rng.random() < 0.5:
        a, b = rng.choice(CURRENCIES)
        t = rng.choice(DIRECTION)
    else:
        a, b = rng.sample(CITIES, 2)
        t = rng.choice(ROUTE)
    pairs.append(pair("entities", "different", req(t.format(a=a, b=b)), req(t.format(a=b, b=a))))

# Same question, different system prompt: 150
for _ in range(150):
    kind, phrasings = rng.choice(INTENTS)
    t = rng.choice(phrasings).format(x=rng.choice(SLOTS[kind]))
    s1, s2 = rng.sample(SYSTEMS, 2)
    pairs.append(pair("system-prompt", "different", req(t, system=s1), req(t, system=s2)))

# Multi-turn where only the history differs: 150
FOLLOW_UPS = ["What about the second one?", "Can you explain that in more detail?",
              "How long does it take?", "Is it expensive?", "Why?", "Give me an example.",
              "What are the risks?", "Summarize that in one sentence."]
for _ in range(150):
    kind, phrasings = rng.choice(INTENTS)
    x, y = rng.sample(SLOTS[kind], 2)
    t = rng.choice(phrasings)
    follow = rng.choice(FOLLOW_UPS)
    ha = [["user", t.format(x=x)], ["assistant", "Here is what I know about " + x + "."]]
    hb = [["user", t.format(x=y)], ["assistant", "Here is what I know about " + y + "."]]
    pairs.append(pair("history", "different", req(follow, history=ha), req(follow, history=hb)))

# Comparisons: 48 (each pair in both orders). Last, so the pairs above keep their draws. Each
# scored 0.95 to 0.99 with all-MiniLM-L6-v2 when only the direction of the comparison differs.
COMPARISONS = [
    ("Write a SQL query to list the products where price > 100",
     "Write a SQL query to list the products where price < 100"),
    ("Write a SQL query to count users with age >= 18",
     "Write a SQL query to count users with age < 18"),
    ("Write a SQL query to list the products where price >= 100",
     "Write a SQL query to list the products where price > 100"),
    ("Filter the rows where status == 'active'", "Filter the rows where status != 'active'"),
    ("Delete log files older than 30 days", "Delete log files newer than 30 days"),
    ("Show hotels with a rating higher than 4 stars", "Show hotels with a rating lower than 4 stars"),
    ("Which employees have a salary that is greater than 50000?",
     "Which employees have a salary that is less than 50000?"),
    ("List the orders with a quantity over 10", "List the orders with a quantity under 10"),
    ("Alert me when the job fails at least 3 times", "Alert me when the job fails at most 3 times"),
    ("Find files larger than 100 MB", "Find files smaller than 100 MB"),
    ("Which cities have more than 1 million people?", "Which cities have fewer than 1 million people?"),
    ("Find the largest file in this folder", "Find the smallest file in this folder"),
    ("Is the temperature above 30 degrees?", "Is the temperature below 30 degrees?"),
    ("Sort the results in ascending order", "Sort the results in descending order"),
    ("List the invoices issued before 2024", "List the invoices issued after 2024"),
    ("Show me the earliest flight tomorrow", "Show me the latest flight tomorrow"),
    ("Who is the highest paid employee?", "Who is the lowest paid employee?"),
    ("Which accounts have a balance exceeding 1000 dollars?",
     "Which accounts have a balance below 1000 dollars?"),
    ("Set the maximum retry count to 5", "Set the minimum retry count to 5"),
    ("How do I increase the timeout to 30 seconds?", "How do I decrease the timeout to 30 seconds?"),
    ("Which is the oldest version still supported?", "Which is the newest version still supported?"),
    ("Find the users who signed up earlier than last week",
     "Find the users who signed up later than last week"),
    ("Which phone has the longer battery life?", "Which phone has the shorter battery life?"),
    ("Which of the two cars is faster?", "Which of the two cars is slower?"),
]
for one, other in COMPARISONS:
    pairs.append(pair("comparison", "different", req(one), req(other)))
    pairs.append(pair("comparison", "different", req(other), req(one)))

seen = set()
for p in pairs:
    line = json.dumps(p, ensure_ascii=False)
    if line not in seen:  # a pair drawn twice counts once
        seen.add(line)
        print(line)
