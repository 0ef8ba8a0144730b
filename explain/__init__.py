"""Why a model said what it said: lexicon hits per token (`tokens`), feature attributions (`attributions`), the
image branch's Grad-CAM (`gradcam`), and all of it for one input (`explanation`). Explanations read models and
features through their public methods only."""
