"""An offline stand-in encoder for the transformers tests: no pre-trained model can be downloaded there."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path


def make_tiny_bert(
    path: str | Path, texts: Iterable[str], *, vocab_size: int = 3000, seed: int = 0, max_position_embeddings: int = 512
) -> Path:
    """Write a tiny, randomly initialised BERT and its WordPiece tokenizer to ``path``.

    For tests and offline demos of the training functions, where no pre-trained
    encoder can be downloaded: it learns from the fine-tuning data alone. The
    vocabulary is trained on ``texts`` with casing and accents kept (BERT's
    default lower-casing would decompose Hangul syllables into jamo).
    """
    import torch
    from tokenizers import BertWordPieceTokenizer
    from transformers import BertConfig, BertModel, BertTokenizerFast

    path = Path(path)
    path.mkdir(parents=True, exist_ok=True)
    wordpiece = BertWordPieceTokenizer(lowercase=False, strip_accents=False, clean_text=True, handle_chinese_chars=True)
    wordpiece.train_from_iterator(list(texts), vocab_size=vocab_size, min_frequency=1, limit_alphabet=5000, show_progress=False)
    tokenizer = BertTokenizerFast(
        tokenizer_object=wordpiece._tokenizer, do_lower_case=False, strip_accents=False, model_max_length=max_position_embeddings
    )
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=max_position_embeddings,
        pad_token_id=tokenizer.pad_token_id,
    )
    BertModel(config).save_pretrained(str(path))  # model.safetensors
    tokenizer.save_pretrained(str(path))
    return path
