"""Exercises of chapters 04-06: Deep Belief Networks, up-down fine-tuning, and the classifier."""

from __future__ import annotations

import numpy as np

from dbn_course import explaining_away
from dbn_course.course.exercises.feedback import Feedback, call_answer, is_placeholder

# Exercise 04.1: the lawn example with a rarer rain and a likelier sprinkler.
EXPLAINING_AWAY = {"prior_a": 0.1, "prior_b": 0.3, "weight_a": 20.0, "weight_b": 20.0, "bias": -10.0}


def check_rain_given_wet_lawn(probability) -> Feedback:
    """Exercise 04.1: p(rain | wet lawn) for the belief net with ``EXPLAINING_AWAY``'s numbers."""
    if is_placeholder(probability):
        return Feedback.missing()
    value = float(np.asarray(probability))
    facts = explaining_away.summary(**EXPLAINING_AWAY)
    truth = facts["p(a | e)"]
    if abs(value - truth) <= 1e-3:
        return Feedback.right(f"p(rain | wet) = {truth:.3f}. Now also knowing the sprinkler was on gives "
                              f"p(rain | wet, sprinkler) = {facts['p(a | e, b=1)']:.3f}: back to the prior.")
    if abs(value - EXPLAINING_AWAY["prior_a"]) <= 1e-3:
        return Feedback.wrong("That is the prior p(rain); a wet lawn is evidence for rain.")
    if abs(value - facts["p(a | e, b=1)"]) <= 1e-3:
        return Feedback.wrong("That conditions on the sprinkler too; the question gives only the wet lawn.")
    return Feedback.wrong("Enumerate the four (rain, sprinkler) states: prior times p(wet | rain, sprinkler), "
                          "then divide the two states with rain by the sum of all four.")


def check_parameter_count(count) -> Feedback:
    """Exercise 04.2: the parameters of the paper's DBN after pretraining, with tied weights.

    784-500-500 RBMs plus a top RBM of 500 + 10 visible and 2000 hidden units; each RBM
    has W, b and c.
    """
    if is_placeholder(count):
        return Feedback.missing()
    value = int(np.asarray(count))
    sizes = [(784, 500), (500, 500), (510, 2000)]
    truth = sum(n_v * n_h + n_v + n_h for n_v, n_h in sizes)
    if value == truth:
        return Feedback.right(f"{truth:,} parameters, two thirds of them in the top level. Untying adds "
                              f"{784 * 500 + 784 + 500 * 500 + 500:,} generative ones for up-down fine-tuning.")
    if value == sum(n_v * n_h for n_v, n_h in sizes):
        return Feedback.wrong("Those are the weights only: every RBM also has visible and hidden biases.")
    if value == sum(n_v * n_h + n_v + n_h for n_v, n_h in [(784, 500), (500, 500), (500, 2000)]):
        return Feedback.wrong("The top RBM's visible layer also holds the 10 label units.")
    return Feedback.wrong("Add n_v x n_h + n_v + n_h for each of the three RBMs.")


def check_up_pass(up_pass, dbn, images) -> Feedback:
    """Exercise 04.3: ``up_pass(dbn, v)`` returning q(h_{L-1} | v), the features the top level sees.

    Mean field: h_1 = sigmoid(v W_1 + c_1), then h_2 = sigmoid(h_1 W_2 + c_2), ... for the
    lower RBMs (not the top one).
    """
    v = np.asarray(images, np.float32).reshape(len(images), -1)
    v = v / 255.0 if np.asarray(images).dtype == np.uint8 else v
    answer = call_answer(up_pass, dbn, v)
    if isinstance(answer, Feedback):
        return answer
    answer = np.asarray(answer, np.float64)
    truth = dbn.up_pass(v)[-1]
    if answer.shape != truth.shape:
        top = dbn.top.number_hidden_units
        if answer.shape[-1:] == (top,):
            return Feedback.wrong("Stop below the top RBM: the top level sees h_{L-1}, not its own hidden units.")
        return Feedback.wrong(f"Expected shape {truth.shape}, got {answer.shape}.")
    if np.allclose(answer, truth, atol=1e-4):
        return Feedback.right("Each lower RBM's hidden probabilities become the next one's data -- exactly what "
                              "greedy pretraining trained it on.")
    if set(np.unique(answer)) <= {0.0, 1.0}:
        return Feedback.wrong("Use the probabilities, not binary samples: mean field.")
    return Feedback.wrong("Not the up pass: h = sigmoid(h_below @ rbm.W + rbm.c) for each RBM but the top.")


def check_sleep_phase(answer) -> Feedback:
    """Exercise 05.1: which weights does the sleep phase change? ``"recognition"``, ``"generative"`` or ``"top"``."""
    if is_placeholder(answer):
        return Feedback.missing()
    answer = str(answer).strip().lower()
    if answer == "recognition":
        return Feedback.right("The sleep phase dreams from the top down with the generative weights and trains "
                              "the recognition weights to recover each dreamed layer from the one below.")
    if answer == "generative":
        return Feedback.wrong("Those change in the wake phase, where the data come up and are reconstructed.")
    if answer == "top":
        return Feedback.wrong("The top level learns by CD between the wake and sleep phases.")
    return Feedback.wrong('Answer "recognition", "generative" or "top".')


def _check_delta_rule(update, *, seed: int, n_source: int, n_target: int, weights: str, source: str, target: str,
                      right: str, name: str) -> Feedback:
    """Judge ``update(M, m, source_states, target_states)``, the delta-rule step of the wake and sleep phases.

    A layer's states (B x n_source) predict another's (B x n_target) through
    sigmoid(source M + m); the step for M is source^T (target - sigmoid(source M + m)) / B.
    """
    rng = np.random.default_rng(seed)
    M, m = rng.normal(0, 1, (n_source, n_target)), rng.normal(0, 1, n_target)
    source_states = (rng.random((8, n_source)) < 0.5).astype(float)
    target_states = (rng.random((8, n_target)) < 0.5).astype(float)
    answer = call_answer(update, M.copy(), m.copy(), source_states, target_states, name=name)
    if isinstance(answer, Feedback):
        return answer
    answer = np.asarray(answer, np.float64)
    prediction = 1 / (1 + np.exp(-(source_states @ M + m)))
    truth = source_states.T @ (target_states - prediction) / len(source_states)
    if answer.shape != truth.shape:
        if answer.shape == truth.T.shape:
            return Feedback.wrong(f"{weights} has shape {truth.shape} ({source} x {target}): the step is "
                                  f"{source}.T @ error / B, not {target}.T @ ....")
        return Feedback.wrong(f"Expected the shape of {weights}, {truth.shape}, got {answer.shape}.")
    if np.allclose(answer, truth, atol=1e-6):
        return Feedback.right(right)
    if np.allclose(answer, -truth, atol=1e-6):
        return Feedback.wrong(f"The sign is flipped: target ({target}) minus prediction.")
    if np.allclose(answer, truth * len(source_states), atol=1e-6):
        return Feedback.wrong("Average over the batch: divide by B.")
    return Feedback.wrong(f"Not the delta rule: predict {target} with sigmoid({source} @ {weights} + "
                          f"{weights.lower()}), then {source}.T @ error / B.")


def check_wake_update(wake_update) -> Feedback:
    """Exercise 05.2: ``wake_update(G, g, above, below)`` returning the delta-rule step for G.

    ``above`` (B x n_above) are wake states of a layer, ``below`` (B x n_below) of the layer
    under it; the step is above^T (below - sigmoid(above G + g)) / B.
    """
    return _check_delta_rule(
        wake_update, seed=0, n_source=4, n_target=6, weights="G", source="above", target="below",
        name="my_wake_update", right="The generative weights learn to predict each layer from the one above: a "
                                     "local delta rule, no backpropagation.")


def check_sleep_update(sleep_update) -> Feedback:
    """Exercise 05.3: ``sleep_update(R, r, below, above)`` returning the delta-rule step for R.

    In the sleep phase the roles turn round: ``below`` (B x n_below) and ``above``
    (B x n_above) are states of a dream generated top-down, and the recognition weights
    R (n_below x n_above) learn to recover the layer above from the one below; the step
    is below^T (above - sigmoid(below R + r)) / B.
    """
    return _check_delta_rule(
        sleep_update, seed=1, n_source=6, n_target=4, weights="R", source="below", target="above",
        name="my_sleep_update", right="The wake rule turned upside down: the recognition weights learn to predict "
                                      "each dreamed layer from the one below it, so they learn to invert the "
                                      "generative model.")


def check_generated_sevens(images, classify) -> Feedback:
    """Exercise 05.4: 20 digits generated with the label 7 clamped; ``classify`` is the shipped classifier."""
    if is_placeholder(images):
        return Feedback.missing()
    images = np.asarray(images, np.float32)
    if images.ndim != 2 or images.shape[1] != 784 or len(images) < 20:
        return Feedback.wrong(f"Pass at least 20 generated images of shape (n, 784), got {images.shape}.")
    if images.min() < 0 or images.max() > 1:
        return Feedback.wrong("Generated images are pixel probabilities in [0, 1].")
    grey = images[(images > 0.02) & (images < 0.98)]
    if grey.size == 0:
        return Feedback.wrong("Every pixel is 0 or 1: pass the pixel probabilities the down pass gives "
                              "(generate returns them), not binary samples or binarised images.")
    if np.mean(np.abs(grey * 255 - np.round(grey * 255)) < 1e-3) > 0.9:
        return Feedback.wrong("These look like MNIST's own images: their grey pixels are whole multiples of 1/255, "
                              "which a down pass's probabilities are not. Generate the sevens with the DBN.")
    share = float(np.mean(classify(images) == 7))
    # Clamped chains of the shipped DBN give 55-90% sevens in batches of 20 (the benchmark reads
    # 91% of 3,000); free-running chains about 10%.
    if share >= 0.5:
        return Feedback.right(f"The classifier reads {share:.0%} of them as sevens.")
    return Feedback.wrong(f"Only {share:.0%} look like sevens to the classifier: clamp labels=[7] * 20 and give the "
                          "top level a few hundred Gibbs steps.")


PANEL_CLASSIFIER = [784, 256, 256, 512, 10]  # exercise 06.1: the panel's smaller network


def _dense_parameters(sizes, biases: bool = True) -> int:
    """Parameters of Dense layers sizes[0] -> sizes[1] -> ...: n_in x n_out weights (+ n_out biases) each."""
    return sum(n_in * n_out + (n_out if biases else 0) for n_in, n_out in zip(sizes[:-1], sizes[1:]))


def check_classifier_parameters(count) -> Feedback:
    """Exercise 06.1: trainable parameters of the panel's classifier, 784-256-256-512-10 (``PANEL_CLASSIFIER``).

    Section 1's summary prints the count of the 784-500-500-2000-10 network; this one is
    not printed anywhere.
    """
    if is_placeholder(count):
        return Feedback.missing()
    value = int(np.asarray(count))
    sizes = PANEL_CLASSIFIER
    truth = _dense_parameters(sizes)
    if value == truth:
        return Feedback.right(f"{truth:,}: each Dense layer has a kernel and a bias. The DBN's generative weights "
                              "and visible biases are left behind.")
    if value == _dense_parameters([784, 500, 500, 2000, 10]):
        return Feedback.wrong("That is the chapter's 784-500-500-2000-10 network, which the summary counts; the "
                              "question is about the panel's 784-256-256-512-10.")
    if value == _dense_parameters(sizes, biases=False):
        return Feedback.wrong("Count the biases too: one per unit of each layer after the input.")
    if value == _dense_parameters(sizes[:-1]):
        return Feedback.wrong("Add the output layer: 512 x 10 weights and 10 biases.")
    return Feedback.wrong("Add n_in x n_out + n_out for each of the four Dense layers.")


def check_error_rate(error_rate) -> Feedback:
    """Exercise 06.2: ``error_rate(probabilities, labels)`` in percent, from (n, 10) class probabilities."""
    rng = np.random.default_rng(1)
    probabilities = rng.dirichlet(np.ones(10), 50)
    labels = rng.integers(0, 10, 50)
    answer = call_answer(error_rate, probabilities, labels)
    if isinstance(answer, Feedback):
        return answer
    value = float(np.asarray(answer))
    truth = 100.0 * np.mean(probabilities.argmax(axis=1) != labels)
    if abs(value - truth) <= 1e-6:
        return Feedback.right(f"{truth:.0f}% of these random predictions are wrong: the argmax is the prediction.")
    if abs(value - (100 - truth)) <= 1e-6:
        return Feedback.wrong("That is the accuracy; the error is 100% minus it.")
    if abs(value - truth / 100) <= 1e-6:
        return Feedback.wrong("Give it in percent.")
    return Feedback.wrong("Take the most probable class of each row (argmax) and count the mismatches.")
