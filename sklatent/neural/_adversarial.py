"""Adversarial training through skorch: the GAN module and its two-optimiser net.

:class:`AdversarialModule` holds a generator, a critic and an exponential moving
average of the generator's weights, and computes the WGAN-GP losses on packed
samples (PacGAN). :class:`AdversarialNet` is the skorch net that trains it with
alternating updates: one critic step, then one generator step, per batch, each with
its own Adam optimiser and learning rate (two time-scale updates).
"""

import copy

import torch
from skorch.callbacks import PassthroughScoring
from skorch.dataset import unpack_data
from torch import nn

from ._training import LossNet

__all__ = ["AdversarialModule", "AdversarialNet"]


class AdversarialModule(nn.Module):
    """Generator, critic and averaged generator of a (conditional) WGAN-GP.

    Rows of a training batch are the encoded table followed by the one-hot class
    (conditional mode; no class columns otherwise). The generator maps noise (and
    the class) to raw outputs that ``encoding.activate`` turns into encoded rows.
    The critic scores packs of ``pac`` rows, flattened into one input.

    Parameters
    ----------
    generator : torch.nn.Module
        Maps (batch, n_components + n_classes) to (batch, encoding.n_outputs_).
    critic : torch.nn.Module
        Maps (batch / pac, pac * (encoding.n_outputs_ + n_classes)) to
        (batch / pac, 1).
    encoding : TableEncoding
        The representation of the table.
    n_components : int
        Size of the noise.
    n_classes : int
        Number of classes of the conditional mode; 0 when unconditional.
    pac : int
        Rows per critic input.
    gradient_penalty : float
        Weight of the gradient penalty.
    """

    def __init__(
        self,
        generator,
        critic,
        encoding,
        n_components,
        n_classes,
        pac,
        gradient_penalty,
    ):
        super().__init__()
        self.generator = generator
        self.critic = critic
        self.generator_average = copy.deepcopy(generator).requires_grad_(False)
        self.register_buffer("n_updates", torch.zeros((), dtype=torch.long))
        self.encoding = encoding
        self.n_components = n_components
        self.n_classes = n_classes
        self.pac = pac
        self.gradient_penalty = gradient_penalty

    def generate(self, noise, labels, *, average=True):
        """Encoded rows for noise and one-hot labels (the averaged generator by
        default)."""
        network = self.generator_average if average else self.generator
        raw = network(torch.cat([noise, labels], dim=1))
        return self.encoding.activate(raw)

    def critic_scores(self, rows):
        """Critic score of each pack of ``pac`` consecutive rows."""
        return self.critic(rows.reshape(-1, self.pac * rows.shape[1])).squeeze(-1)

    def _fake_rows(self, real, generator):
        labels = real[:, real.shape[1] - self.n_classes :]
        noise = torch.randn(
            (real.shape[0], self.n_components),
            generator=generator,
            dtype=real.dtype,
            device=real.device,
        )
        return torch.cat([self.generate(noise, labels, average=False), labels], 1)

    def critic_loss(self, real, generator):
        """Wasserstein critic loss plus the gradient penalty, on packed rows."""
        with torch.no_grad():
            fake = self._fake_rows(real, generator)
        loss = self.critic_scores(fake).mean() - self.critic_scores(real).mean()
        n_packs, width = real.shape[0] // self.pac, real.shape[1]
        mix = torch.rand(
            (n_packs, 1, 1), generator=generator, dtype=real.dtype, device=real.device
        )
        between = mix * real.view(n_packs, self.pac, width)
        between = between + (1 - mix) * fake.view(n_packs, self.pac, width)
        between = between.view(-1, width).requires_grad_(True)
        (gradient,) = torch.autograd.grad(
            self.critic_scores(between).sum(), between, create_graph=True
        )
        norms = gradient.reshape(n_packs, -1).norm(dim=1)
        return loss + self.gradient_penalty * (norms - 1).square().mean()

    def generator_loss(self, real, generator):
        """Minus the critic's mean score of generated rows."""
        return -self.critic_scores(self._fake_rows(real, generator)).mean()

    @torch.no_grad()
    def update_average(self, decay):
        """Move the averaged generator towards the current one.

        The effective decay ramps up as ``(1 + t) / (10 + t)`` over the first
        updates, so the average forgets the random initialisation quickly.
        """
        self.n_updates += 1
        rate = min(decay, (1 + self.n_updates.item()) / (10 + self.n_updates.item()))
        for average, current in zip(
            self.generator_average.parameters(), self.generator.parameters()
        ):
            average.lerp_(current, 1 - rate)
        for average, current in zip(
            self.generator_average.buffers(), self.generator.buffers()
        ):
            average.copy_(current)


class AdversarialNet(LossNet):
    """A skorch net that trains an :class:`AdversarialModule` with alternating
    critic and generator steps.

    ``optimizer_`` updates the generator (learning rate ``lr``) and
    ``critic_optimizer_`` the critic (learning rate ``critic_lr``); both take the
    ``optimizer__`` options (e.g. ``optimizer__betas``). The history records the
    generator loss as ``train_loss`` and the critic loss as ``critic_loss``.

    Parameters
    ----------
    module : AdversarialModule
        The initialised module.
    critic_lr : float
        Learning rate of the critic.
    average_decay : float
        Decay of the moving average of the generator's weights.
    **kwargs : dict
        Passed on to :class:`LossNet`.
    """

    def __init__(self, module, *, critic_lr, average_decay, **kwargs):
        super().__init__(module, **kwargs)
        self.critic_lr = critic_lr
        self.average_decay = average_decay

    def get_default_callbacks(self):
        scoring = PassthroughScoring(name="critic_loss", on_train=True)
        return [*super().get_default_callbacks(), ("critic_loss", scoring)]

    def initialize_optimizer(self, *args, **kwargs):
        generator_params = self.module_.generator.named_parameters()
        args, options = self.get_params_for_optimizer("optimizer", generator_params)
        self.optimizer_ = self.optimizer(*args, **options)
        critic_params = self.module_.critic.named_parameters()
        args, options = self.get_params_for_optimizer("optimizer", critic_params)
        self.critic_optimizer_ = self.optimizer(
            *args, **{**options, "lr": self.critic_lr}
        )
        return self

    def _packed(self, real):
        """Arrange the batch in whole packs, re-drawing some of its rows to fill.

        In the conditional mode every pack holds rows of one class, so that the
        critic compares a set of rows with the class they claim: a generator that
        ignores the class makes packs whose rows look like several classes.
        """
        n_classes, pac = self.module_.n_classes, self.module_.pac
        if n_classes == 0:
            return self._filled(real, pac)
        labels = real[:, real.shape[1] - n_classes :].argmax(dim=1)
        return torch.cat(
            [self._filled(real[labels == label], pac) for label in labels.unique()]
        )

    def _filled(self, rows, pac):
        missing = -rows.shape[0] % pac
        if missing == 0:
            return rows
        extra = torch.randint(
            rows.shape[0], (missing,), generator=self.generator, device=rows.device
        )
        return torch.cat([rows, rows[extra]])

    def train_step(self, batch, **fit_params):
        self._set_training(True)
        real, _ = unpack_data(batch)
        real = self._packed(real)
        module = self.module_
        critic_loss = module.critic_loss(real, self.generator)
        self.critic_optimizer_.zero_grad(set_to_none=True)
        critic_loss.backward()
        self.critic_optimizer_.step()
        generator_loss = module.generator_loss(real, self.generator)
        self.optimizer_.zero_grad(set_to_none=True)
        generator_loss.backward()
        self.optimizer_.step()
        module.update_average(self.average_decay)
        self.history.record_batch("critic_loss", critic_loss.item())
        return {"loss": generator_loss.detach(), "y_pred": None}
