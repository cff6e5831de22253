"""The training layer: aligning corpus records to Kiwi tokens (:mod:`.data`), training the spaCy
components (:mod:`.train`), the transformers backend as a config change of the same components
(:mod:`.encoder`), and fine-tuning the one transformers component of its own, the relation
classifier (:mod:`.hf`).

It sits above the corpus tools and the evaluation code it uses; only the command line imports it.
"""
