"""The articles the assistant answers from, and everything about them that involves no audio.

- :mod:`content.article`: the data (articles, sections, warning signs)
- :mod:`content.loader`: YAML → articles, with the schema and one-line errors
- :mod:`content.importer`: text, Markdown or HTML → YAML
- :mod:`content.speakable`: what may be spoken
- :mod:`content.lexicon`, :mod:`content.matching`: question → section, command or warning sign
- :mod:`content.dialogue`: utterance → reply
"""
