"""Sampling from the course's models: block Gibbs sampling, tempering, annealing and exact enumeration.

    gibbs       -- the RBM's conditionals and the one block-Gibbs sampler every model uses
    tempering   -- parallel tempering's ladder of inverse temperatures and its swaps
    annealing   -- log Z and log p(v) of large RBMs by AIS (from below) and RAISE (from above)
    exact       -- exact log Z and log p(v) of small RBMs, by enumeration
    mcmc        -- the block-Gibbs sweep as a TensorFlow Probability kernel (imports TFP)

These are kernels on tensors: they take weights and states, not models, so the models
(:mod:`dbn_course.rbm`, :mod:`dbn_course.dbn`, ...) and the training code share them. They
may import :mod:`dbn_course.checks` and :mod:`dbn_course.data`, never the models, the
training code or the course layer.
"""
