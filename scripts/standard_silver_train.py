"""Train the standard layer on gold + one silver DocBin of scripts/standard_silver_prep.py.

    OMP_NUM_THREADS=1 python scripts/standard_silver_train.py MODE STEPS [config.key=value ...]

MODE: gold, model, konec, konec+model or konec-missing. The model goes to
training-out/work/exp-MODE-STEPS/model-best (best dev F1 of spaCy's evaluations).
"""

import sys
import time
from pathlib import Path

from pipeline.training.train import train_ner


def main() -> None:
    mode, steps = sys.argv[1], int(sys.argv[2])
    extra = {k: (int(v) if v.isdigit() else v) for k, v in (a.split("=", 1) for a in sys.argv[3:])}
    work = Path("training-out/work")
    train = work / "standard-train.spacy" if mode == "gold" else work / f"standard-silver-{mode}-train.spacy"
    tag = mode + "".join(f"-{k.split('.')[-1]}{v}" for k, v in extra.items())
    started = time.time()
    train_ner("standard", work, max_steps=steps, overrides={"paths.train": str(train), **extra}, name=f"exp-{tag}-{steps}")
    print("seconds", round(time.time() - started))


if __name__ == "__main__":
    main()
