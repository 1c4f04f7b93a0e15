"""gpt: a decoder-only Transformer trained from scratch on text (lecture 7, nanoGPT).

``model`` holds ``GPTConfig`` and ``GPT``; ``data`` the tokenized train/val splits and the EX2
addition task; ``tokenizer`` the character tokenizer and the adapter for ``z2h.bpe`` models;
``sample`` rebuilds a model from a run directory; ``cli`` the ``z2h gpt`` commands.
"""
