"""A small shell word splitter with source offsets, for reading RUN commands.

It understands what Dockerfile rules need: quotes, backslash escapes, and the
operators that separate commands (`&&`, `||`, `;`, `|`, `&` and newlines).
It does not expand variables or run anything.

The second half of the module splits words exactly as BuildKit's Dockerfile
parser (moby/buildkit v0.12.5) does, for dockermig.syntax: its shell lexer
(used to find heredoc words), its flag splitter and its ENV/LABEL/ARG word
splitter, quirks included.
"""

import re
from typing import NamedTuple

OPERATORS = ("&&", "||", ";;", ";", "|", "&", "\n")


class Word(NamedTuple):
    """A shell word: its unquoted value and the span of its source text.

    A named tuple rather than a dataclass: RUN lines are split into many
    words, and a tuple is several times quicker to make.
    """

    value: str
    start: int
    end: int
    quoted: bool = False
    is_operator: bool = False


# One token at a time: a run of blanks (or an escaped newline), a comment, an
# operator, or a run of plain word characters. Quotes and escapes inside a
# word are handled by _read_word.
_BLANKS = re.compile(r"(?:[ \t\r]|\\\n)+")
_OPERATOR = re.compile(r"&&|\|\||;;|[;|&\n]")
_PLAIN = re.compile(r"[^ \t\r\n;&|\\'\"]+")


def split_words(text: str) -> list[Word]:
    """Split shell text into words and operators, each with its offsets in `text`.

    Text after an unquoted `#` at the start of a word is a comment and is skipped.
    """
    words: list[Word] = []
    index = 0
    length = len(text)
    while index < length:
        blanks = _BLANKS.match(text, index)
        if blanks is not None:
            index = blanks.end()
            continue
        char = text[index]
        if char == "#":
            newline = text.find("\n", index)
            index = length if newline == -1 else newline
            continue
        operator = _OPERATOR.match(text, index)
        if operator is not None:
            end = operator.end()
            words.append(Word(operator.group(), index, end, is_operator=True))
            index = end
            continue
        word, index = _read_word(text, index)
        words.append(word)
    return words


def _read_word(text: str, start: int) -> tuple[Word, int]:
    plain = _PLAIN.match(text, start)
    index = plain.end() if plain is not None else start
    length = len(text)
    if index == length or text[index] in " \t\r\n;&|":
        # The common case: a word with no quotes and no escapes.
        return Word(text[start:index], start, index), index
    value: list[str] = [text[start:index]]
    quoted = False
    while index < length:
        char = text[index]
        if char in " \t\r\n;&|":
            break
        if char == "\\" and index + 1 < length:
            if text[index + 1] != "\n":
                value.append(text[index + 1])
            index += 2
            continue
        if char in "'\"":
            quoted = True
            closing = text.find(char, index + 1)
            if closing == -1:
                closing = length
            value.append(text[index + 1 : closing])
            index = closing + 1
            continue
        plain = _PLAIN.match(text, index)
        if plain is not None:
            value.append(plain.group())
            index = plain.end()
        else:
            value.append(char)
            index += 1
    return Word("".join(value), start, min(index, length), quoted=quoted), index


def split_commands(words: list[Word]) -> list[list[Word]]:
    """Group words into simple commands, split at every operator."""
    commands: list[list[Word]] = [[]]
    for word in words:
        if word.is_operator:
            if commands[-1]:
                commands.append([])
            continue
        commands[-1].append(word)
    return [command for command in commands if command]


# Characters Go's unicode.IsSpace accepts. BuildKit's parser uses it to trim and
# split, so it differs from Python's str.isspace (which also accepts \x1c-\x1f).
GO_SPACE = frozenset(
    "\t\n\v\f\r \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
    "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000"
)
_SPECIAL_PARAMETERS = "@*#?-$!0"


class ShellSyntaxError(ValueError):
    """Text that BuildKit's shell lexer rejects, such as an unterminated quote."""


def buildkit_words(text: str, raw_quotes: bool, raw_escapes: bool) -> list[str]:
    """Split text into words the way BuildKit's shell lexer does with no variables set.

    This follows `shell.Lex.ProcessWords` of moby/buildkit v0.12.5 with the
    escape character `\\` and `SkipUnsetEnv`, which is how BuildKit's parser
    finds heredoc words. Variables are left as written (`$A`, `${A:-b}`).
    With `raw_quotes` and `raw_escapes` the quotes and escape characters stay
    in the words. Raises ShellSyntaxError where BuildKit's lexer fails.
    """
    return _BuildKitLexer(text, raw_quotes, raw_escapes).split()


class _Words:
    """The words being collected, as BuildKit's `wordsStruct` collects them."""

    def __init__(self) -> None:
        self.words: list[str] = []
        self.word = ""
        self.in_word = False

    def add_char(self, char: str) -> None:
        if char in GO_SPACE:
            if self.in_word and self.word:
                self.words.append(self.word)
                self.word = ""
                self.in_word = False
            return
        self.add_raw(char)

    def add_raw(self, text: str) -> None:
        self.word += text
        self.in_word = True

    def add_split(self, text: str) -> None:
        for char in text:
            self.add_char(char)

    def finish(self) -> list[str]:
        if self.word:
            self.words.append(self.word)
            self.word = ""
            self.in_word = False
        return self.words


class _BuildKitLexer:
    def __init__(self, text: str, raw_quotes: bool, raw_escapes: bool) -> None:
        # Go's text/scanner skips a byte order mark at the very start.
        self.text = text[1:] if text.startswith("\ufeff") else text
        self.position = 0
        self.raw_quotes = raw_quotes
        self.raw_escapes = raw_escapes

    def peek(self) -> str | None:
        if self.position < len(self.text):
            return self.text[self.position]
        return None

    def next(self) -> str | None:
        char = self.peek()
        if char is not None:
            self.position += 1
        return char

    def split(self) -> list[str]:
        _, words = self.read_until(None)
        return words

    def read_until(self, stop: str | None) -> tuple[str, list[str]]:
        result: list[str] = []
        words = _Words()
        while (char := self.peek()) is not None:
            if char == stop:
                self.next()
                return "".join(result), words.finish()
            if char == "$":
                expansion = self.read_dollar()
                result.append(expansion)
                words.add_split(expansion)
                continue
            if char in "'\"":
                quoted = self.read_single_quote() if char == "'" else self.read_double_quote()
                result.append(quoted)
                words.add_raw(quoted)
                continue
            self.next()
            if char != "\\":
                words.add_char(char)
                result.append(char)
                continue
            if self.raw_escapes:
                words.add_raw(char)
                result.append(char)
            escaped = self.next()
            if escaped is None:
                break
            words.add_raw(escaped)
            result.append(escaped)
        if stop is not None:
            raise ShellSyntaxError(f"unexpected end of text while looking for matching {stop}")
        return "".join(result), words.finish()

    def read_single_quote(self) -> str:
        quote = self.next()
        result = [quote] if self.raw_quotes else []
        while True:
            char = self.next()
            if char is None:
                raise ShellSyntaxError("unterminated single quote")
            if char == "'":
                if self.raw_quotes:
                    result.append(char)
                return "".join(result)
            result.append(char)

    def read_double_quote(self) -> str:
        quote = self.next()
        result = [quote] if self.raw_quotes else []
        while True:
            char = self.peek()
            if char is None:
                raise ShellSyntaxError("unterminated double quote")
            if char == '"':
                self.next()
                if self.raw_quotes:
                    result.append(char)
                return "".join(result)
            if char == "$":
                result.append(self.read_dollar())
                continue
            self.next()
            if char == "\\":
                if self.raw_escapes:
                    result.append(char)
                following = self.peek()
                if following is None:
                    continue
                if following in '"$\\':
                    char = self.next()
            result.append(char)

    def read_dollar(self) -> str:
        self.next()
        if self.peek() != "{":
            name = self.read_name()
            return "$" + name
        self.next()
        following = self.peek()
        if following is None:
            raise ShellSyntaxError("missing '}'")
        if following in "{}:":
            raise ShellSyntaxError("bad substitution")
        name = self.read_name()
        modifier = self.next()
        if modifier == "}":
            return "${" + name + "}"
        if modifier == ":":
            # Go reads one more character, whatever it is, and carries on as for `-`.
            second = self.next()
            modifier += second if second is not None else "\ufffd"
        elif modifier is None or modifier not in "+-?":
            raise ShellSyntaxError(f"unsupported modifier ({modifier}) in substitution")
        word, _ = self.read_until("}")
        return "${" + name + modifier + word + "}"

    def read_name(self) -> str:
        name: list[str] = []
        while (char := self.peek()) is not None:
            if not name and char.isdecimal():
                while (digit := self.peek()) is not None and digit.isdecimal():
                    name.append(self.next())
                return "".join(name)
            if not name and char in _SPECIAL_PARAMETERS:
                return self.next()
            if not (char.isalpha() or char.isdecimal() or char == "_"):
                break
            name.append(self.next())
        return "".join(name)


def split_builder_flags(text: str) -> tuple[list[str], str]:
    """Split leading `--name[=value]` words off instruction arguments, as BuildKit does.

    This follows `extractBuilderFlags` of moby/buildkit v0.12.5: quotes are
    removed and a backslash escapes the next character, inside quotes too,
    whatever escape character the file sets. A bare `--` ends the flags. Returns
    the flag words and the rest of the text.
    """
    flags: list[str] = []
    length = len(text)
    position = 0
    while True:
        while position < length and text[position] in GO_SPACE:
            position += 1
        if not text.startswith("--", position):
            return flags, text[position:]
        word: list[str] = []
        keep_empty = False
        quote = None
        while position < length:
            char = text[position]
            if quote is None and char in GO_SPACE:
                break
            position += 1
            if quote is None and char in "'\"":
                quote = char
                keep_empty = True
                continue
            if quote is not None and char == quote:
                quote = None
                continue
            if char == "\\":
                if position == length:
                    break
                char = text[position]
                position += 1
            word.append(char)
        token = "".join(word)
        if token == "--":
            return flags, text[position:]
        if keep_empty or token:
            flags.append(token)
        if position >= length:
            return flags, ""


def split_argument_words(text: str, escape: str) -> list[str]:
    """Split ENV, LABEL and ARG arguments into words as BuildKit does, keeping quotes and escapes.

    This follows `parseWords` of moby/buildkit v0.12.5. `escape` is the
    file's escape character; it escapes nothing inside single quotes.
    """
    words: list[str] = []
    word: list[str] = []
    keep_empty = False
    quote = None
    in_word = False
    position = 0
    length = len(text)
    while position < length:
        char = text[position]
        position += 1
        if not in_word:
            if char in GO_SPACE:
                continue
            in_word = True
        if quote is None:
            if char in GO_SPACE:
                if keep_empty or word:
                    words.append("".join(word))
                word = []
                keep_empty = False
                in_word = False
                continue
            if char in "'\"":
                quote = char
                keep_empty = True
            elif char == escape:
                if position == length:
                    continue
                word.append(char)
                char = text[position]
                position += 1
            word.append(char)
            continue
        if char == quote:
            quote = None
        elif char == escape and quote != "'":
            if position == length:
                quote = None
                continue
            word.append(char)
            char = text[position]
            position += 1
        word.append(char)
    if in_word and (keep_empty or word):
        words.append("".join(word))
    return words
