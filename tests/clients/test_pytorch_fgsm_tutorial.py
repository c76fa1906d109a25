"""Client port: PyTorch's "Adversarial Example Generation" tutorial
(``beginner_source/fgsm_tutorial.py``): the MNIST example's LeNet loaded from a saved
``state_dict`` (``map_location``, ``weights_only=True``), gradients taken with respect to the
input (``data.requires_grad = True``, ``data.grad.data``), the fast gradient sign attack
(``sign``, ``torch.clamp``), ``denorm`` with ``std.view(1, -1, 1, 1)``, ``transforms.Normalize``
applied to a batch, accuracy against epsilon and the adversarial examples kept for plotting.

Written afresh after the tutorial, keeping every PyTorch call its reader writes; only the
imports differ (``torch`` -> ``minigrad``, torchvision's datasets/transforms -> ``minigrad.data``).
The tutorial downloads ``lenet_mnist_model.pth``, trained by pytorch/examples' MNIST script; here
that script's model is trained for 3 epochs on the 384 digits of ``conftest.py`` and saved to
the current folder first. The test set is the 256 local test digits; plots are left out.
"""
import numpy as np

import minigrad as torch
import minigrad.nn as nn
import minigrad.nn.functional as F
import minigrad.optim as optim
from minigrad import data as datasets
from minigrad.data import transforms

epsilons = [0, .05, .1, .15, .2, .25, .3]
pretrained_model = "lenet_mnist_model.pth"


# LeNet Model definition
class Net(nn.Module):
    def __init__(self):
        super(Net, self).__init__()
        self.conv1 = nn.Conv2d(1, 32, 3, 1)
        self.conv2 = nn.Conv2d(32, 64, 3, 1)
        self.dropout1 = nn.Dropout(0.25)
        self.dropout2 = nn.Dropout(0.5)
        self.fc1 = nn.Linear(9216, 128)
        self.fc2 = nn.Linear(128, 10)

    def forward(self, x):
        x = self.conv1(x)
        x = F.relu(x)
        x = self.conv2(x)
        x = F.relu(x)
        x = F.max_pool2d(x, 2)
        x = self.dropout1(x)
        x = torch.flatten(x, 1)
        x = self.fc1(x)
        x = F.relu(x)
        x = self.dropout2(x)
        x = self.fc2(x)
        output = F.log_softmax(x, dim=1)
        return output


def make_pretrained_model():
    """(The port's) pytorch/examples mnist/main.py, shortened, writing the tutorial's model file."""
    train_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=True, download=True, transform=transforms.Compose([
            transforms.ToTensor(), transforms.Normalize((0.1307,), (0.3081,))])),
        batch_size=32, shuffle=True)
    model = Net()
    optimizer = optim.Adadelta(model.parameters(), lr=1.0)
    for epoch in range(3):
        model.train()
        for data, target in train_loader:
            optimizer.zero_grad()
            loss = F.nll_loss(model(data), target)
            loss.backward()
            optimizer.step()
    torch.save(model.state_dict(), pretrained_model)


# FGSM attack code
def fgsm_attack(image, epsilon, data_grad):
    # Collect the element-wise sign of the data gradient
    sign_data_grad = data_grad.sign()
    # Create the perturbed image by adjusting each pixel of the input image
    perturbed_image = image + epsilon*sign_data_grad
    # Adding clipping to maintain [0,1] range
    perturbed_image = torch.clamp(perturbed_image, 0, 1)
    # Return the perturbed image
    return perturbed_image


def run(device):
    # MNIST Test dataset and dataloader declaration
    test_loader = torch.utils.data.DataLoader(
        datasets.MNIST('./data', train=False, download=True, transform=transforms.Compose([
                transforms.ToTensor(),
                transforms.Normalize((0.1307,), (0.3081,)),
                ])),
            batch_size=1, shuffle=True)

    print(f"Using {device} device")

    # Initialize the network
    model = Net().to(device)

    # Load the pretrained model
    model.load_state_dict(torch.load(pretrained_model, map_location=device, weights_only=True))

    # Set the model in evaluation mode. In this case this is for the Dropout layers
    model.eval()

    # restores the tensors to their original scale
    def denorm(batch, mean=[0.1307], std=[0.3081]):
        """
        Convert a batch of tensors to their original scale.
        """
        if isinstance(mean, list):
            mean = torch.tensor(mean).to(device)
        if isinstance(std, list):
            std = torch.tensor(std).to(device)

        return batch * std.view(1, -1, 1, 1) + mean.view(1, -1, 1, 1)

    def test(model, device, test_loader, epsilon):
        # Accuracy counter
        correct = 0
        adv_examples = []

        # Loop over all examples in test set
        for data, target in test_loader:

            # Send the data and label to the device
            data, target = data.to(device), target.to(device)

            # Set requires_grad attribute of tensor. Important for Attack
            data.requires_grad = True

            # Forward pass the data through the model
            output = model(data)
            init_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability

            # If the initial prediction is wrong, don't bother attacking, just move on
            if init_pred.item() != target.item():
                continue

            # Calculate the loss
            loss = F.nll_loss(output, target)

            # Zero all existing gradients
            model.zero_grad()

            # Calculate gradients of model in backward pass
            loss.backward()

            # Collect ``datagrad``
            data_grad = data.grad.data

            # Restore the data to its original scale
            data_denorm = denorm(data)

            # Call FGSM Attack
            perturbed_data = fgsm_attack(data_denorm, epsilon, data_grad)

            # Reapply normalization
            perturbed_data_normalized = transforms.Normalize((0.1307,), (0.3081,))(perturbed_data)

            # Re-classify the perturbed image
            output = model(perturbed_data_normalized)

            # Check for success
            final_pred = output.max(1, keepdim=True)[1]  # get the index of the max log-probability
            if final_pred.item() == target.item():
                correct += 1
                # Special case for saving 0 epsilon examples
                if epsilon == 0 and len(adv_examples) < 5:
                    adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                    adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))
            else:
                # Save some adv examples for visualization later
                if len(adv_examples) < 5:
                    adv_ex = perturbed_data.squeeze().detach().cpu().numpy()
                    adv_examples.append((init_pred.item(), final_pred.item(), adv_ex))

        # Calculate final accuracy for this epsilon
        final_acc = correct/float(len(test_loader))
        print(f"Epsilon: {epsilon}\tTest Accuracy = {correct} / {len(test_loader)} = {final_acc}")

        # Return the accuracy and an adversarial example
        return final_acc, adv_examples

    accuracies = []
    examples = []

    # Run test for each epsilon
    for eps in epsilons:
        acc, ex = test(model, device, test_loader, eps)
        accuracies.append(acc)
        examples.append(ex)
    return accuracies, examples


test = None     # (pytest would collect a module-level ``test``; the tutorial's is inside ``run``)


def test_fgsm_lowers_accuracy_as_epsilon_grows(workdir, capsys):
    torch.manual_seed(42)
    make_pretrained_model()
    device = torch.accelerator.current_accelerator().type if torch.accelerator.is_available() else "cpu"
    accuracies, examples = run(device)
    out = capsys.readouterr().out
    assert out.startswith(f'Using {device} device\n')
    assert out.count('\tTest Accuracy = ') == 7 and 'Epsilon: 0.3\tTest Accuracy = ' in out
    assert accuracies[0] > 0.8                                  # the clean model
    assert accuracies[-1] < 0.5 * accuracies[0]                 # the attack works
    assert all(b <= a + 0.02 for a, b in zip(accuracies, accuracies[1:]))
    # the examples: (initial prediction, final prediction, a 28x28 image in [0, 1])
    assert all(len(ex) == 5 for ex in examples)
    init, final, image = examples[-1][0]
    assert image.shape == (28, 28) and 0 <= image.min() and image.max() <= 1 and init != final
    assert all(i == f for i, f, _ in examples[0])


def test_fgsm_attack_and_the_input_gradient():
    torch.manual_seed(0)
    image = torch.rand(1, 1, 4, 4) * 0.5 + 0.25
    grad = torch.randn(1, 1, 4, 4)
    out = fgsm_attack(image, 0.1, grad)
    assert np.allclose((out - image).numpy(), 0.1 * np.sign(grad.numpy()), atol=1e-6)
    assert set(np.unique(fgsm_attack(image, 1.0, grad).numpy())) <= {0.0, 1.0}   # clipped
    # data.requires_grad = True on a batch from the loader, then data.grad after backward
    model = Net().eval()
    data = torch.randn(1, 1, 28, 28)
    data.requires_grad = True
    loss = F.nll_loss(model(data), torch.tensor([3]))
    loss.backward()
    assert data.grad is not None and tuple(data.grad.data.shape) == (1, 1, 28, 28)
    # the input gradient is the loss's: a small step along it raises the loss
    with torch.no_grad():
        stepped = F.nll_loss(model(data + 1e-2 * data.grad.sign()), torch.tensor([3]))
    assert stepped.item() > loss.item()
