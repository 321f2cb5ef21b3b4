"""StackGAN's stage I alone: does G follow the caption at 16x16? (how the augmentation's
choices in `recipes/cgan.py` were measured).

Trains `RunConfig.for_family("stackgan")` on shapes at 64 px with the stage held at I for N
steps, then reads the attributes back from stage I's images enlarged bicubically to 64 px
(`metrics.conditional.attribute_accuracy_for_captions`, 500 captions). Prints one line per run;
asserts nothing.

    python benchmarks/stackgan_stage1.py 2000 stackgan.augment=false
    python benchmarks/stackgan_stage1.py 2000 stackgan.augment_warmup=0 stackgan.augment_kl=0.2
    python benchmarks/stackgan_stage1.py 4000            # the defaults (warm-up 2,000)
"""

from __future__ import annotations

import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def main() -> int:
    import numpy as np
    import tensorflow as tf

    from ganstudio.config import RunConfig
    from ganstudio.core.metrics.conditional import attribute_accuracy_for_captions
    from ganstudio.core.recipes.stackgan import upsample
    from ganstudio.core.session import TrainingSession

    steps = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
    settings = sys.argv[2:]
    cfg = RunConfig.for_family("stackgan").with_changes(
        data={"name": "shapes", "image_size": 64},
        train={"steps": steps, "eval_every": 0, "checkpoint_every": 0},
        stackgan={"stage": "I"})
    for assignment in settings:
        cfg = cfg.with_setting(assignment)
    session = TrainingSession(cfg)
    session.prepare()
    t0 = time.perf_counter()
    session.run()
    seconds = time.perf_counter() - t0
    recipe = session.recipe

    def stage1_enlarged(z, captions):
        low = recipe.generate_stage1({"z": z, "caption": captions})
        return np.clip(upsample(tf.constant(low), recipe.factor).numpy(), 0.0, 1.0)

    result = attribute_accuracy_for_captions(session.dataset, stage1_enlarged,
                                             recipe.latent_dim, n=500)
    figures = {k: round(float(v), 3) for k, v in result.items()
               if k.endswith("acc") and not k.startswith("real")}
    print(f"{' '.join(settings) or 'defaults'}: {steps} steps in {seconds:.0f} s, {figures}, "
          f"KL per dimension {session.history[-1].get('kl1')}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
