"""The training layer: aligning corpus records to Kiwi tokens (:mod:`.data`), training the spaCy
components (:mod:`.train`) and fine-tuning the transformers ones (:mod:`.hf`).

It sits above the corpus tools and the evaluation code it uses; only the command line imports it.
"""
