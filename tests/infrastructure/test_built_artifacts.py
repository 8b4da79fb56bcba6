"""The built artifacts (.aws-sam/local-build, made by `make build`, which `make test` runs first) import
the way Lambda imports them: each function from its own folder and its layers' python/ folders only, on
the runtime's python3.13 with nothing but the boto3 it provides (.venv-runtime), in a fresh interpreter
that sees neither the source tree nor the development virtualenv. So a dependency missing from
layers/common/requirements.txt, a module a function needs left out of its folder, or a layer built for
another architecture fails here, function by function, before anything is deployed."""

from __future__ import annotations

import json
import platform
import subprocess  # nosec B404 - runs the runtime's interpreter on the build, nothing from outside
import tempfile
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from localrun import template

ROOT = Path(__file__).resolve().parents[2]
SOURCE_TEMPLATE = ROOT / "infra" / "template.yaml"
BUILD_DIR = ROOT / ".aws-sam" / "local-build"
BUILT_TEMPLATE = BUILD_DIR / "template.yaml"
RUNTIME_PYTHON = ROOT / ".venv-runtime" / "bin" / "python"

pytestmark = pytest.mark.skipif(
    not BUILT_TEMPLATE.is_file(),
    reason="no .aws-sam/local-build: `make build` (run by `make test`) makes it (sam build, python3.13)",
)

# Named from the source template, so each function is reported even when the build lacks it.
FUNCTION_IDS = sorted(
    logical_id
    for logical_id, resource in template.resources(template.load(SOURCE_TEMPLATE)).items()
    if resource["Type"] == "AWS::Serverless::Function"
)

# What the Lambda service sets in every execution environment; credentials are dummies, so an import that
# called AWS would fail rather than reach it.
LAMBDA_ENVIRONMENT = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "en_US.UTF-8",
    "TZ": ":UTC",
    "AWS_REGION": "ca-central-1",
    "AWS_DEFAULT_REGION": "ca-central-1",
    "AWS_ACCESS_KEY_ID": "dummy",
    "AWS_SECRET_ACCESS_KEY": "dummy",
    "AWS_SESSION_TOKEN": "dummy",
    "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
}

# Runs in the fresh interpreter: imports the handlers, then every module the code names, lazily imported
# ones included (the import inside a function runs only on the request that needs it), and finally checks
# that every module loaded came from the artifact or the runtime. Prints the failures as JSON.
IMPORT_CHECK = r"""
import ast, importlib, json, sys, sysconfig, traceback
from pathlib import Path

request = json.loads(sys.argv[1])
search_path = [Path(entry) for entry in request["search_path"]]
sys.path[0:0] = [str(entry) for entry in search_path]
failures = []

runtime = "python%d.%d" % sys.version_info[:2]
if runtime != request["runtime"]:
    failures.append(f"the runtime interpreter is {runtime}, the functions run on {request['runtime']}")


def load(name):
    try:
        return importlib.import_module(name)
    except Exception as error:
        failures.append(f"import {name}: {error!r}\n{traceback.format_exc(limit=-3)}")
        return None


def load_from(module_name, names):
    module = load(module_name)
    for name in names:
        if module is not None and name != "*" and not hasattr(module, name):
            load(f"{module_name}.{name}")


def type_checking_only(node):
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports(node, package):
    for child in ast.iter_child_nodes(node):
        if isinstance(child, ast.If) and type_checking_only(child):
            for other in child.orelse:
                yield from imports(other, package)
            continue
        if isinstance(child, ast.Import):
            for alias in child.names:
                yield alias.name, []
        elif isinstance(child, ast.ImportFrom):
            base = package.rsplit(".", child.level - 1)[0] if child.level else ""
            module = ".".join(part for part in (base, child.module or "") if part)
            yield module, [alias.name for alias in child.names]
        yield from imports(child, package)


for module_name in request["modules"]:
    load(module_name)

for module_name, attribute in request["handlers"]:
    module = load(module_name)
    if module is not None and not callable(getattr(module, attribute, None)):
        failures.append(f"{module_name}.{attribute}, the handler, is not a function")

for source in request["sources"]:
    for file in sorted(Path(source).rglob("*.py")):
        root = next(entry for entry in search_path if file.is_relative_to(entry))
        package = ".".join(file.relative_to(root).with_suffix("").parts[:-1])
        for module_name, names in imports(ast.parse(file.read_bytes(), str(file)), package):
            load_from(module_name, names)

paths = sysconfig.get_paths()
allowed = [*search_path, *(Path(paths[key]) for key in ("stdlib", "platstdlib", "purelib", "platlib"))]
allowed = [entry.resolve() for entry in allowed]
for name, module in sorted(sys.modules.items()):
    file = getattr(module, "__file__", None)
    if file and not any(Path(file).resolve().is_relative_to(entry) for entry in allowed):
        failures.append(f"{name} was loaded from {file}, outside the artifact and the runtime")

print(json.dumps(failures))
"""


@cache
def built_template() -> dict[str, Any]:
    return template.load(BUILT_TEMPLATE)


def built_resources() -> dict[str, dict[str, Any]]:
    return template.resources(built_template())


def global_function_properties() -> dict[str, Any]:
    properties: dict[str, Any] = built_template().get("Globals", {}).get("Function", {})
    return properties


def layer_folders(logical_id: str) -> list[Path]:
    """The python/ folder of each layer in the template a function uses, in the template's order (the
    order Lambda extracts them in, each into /opt, whose python/ folder is on the path)."""
    layers = [
        *global_function_properties().get("Layers", []),
        *built_resources()[logical_id]["Properties"].get("Layers", []),
    ]
    folders = []
    for layer in layers:
        referenced = layer.get("Ref") if isinstance(layer, dict) else None
        resource = built_resources().get(referenced or "")
        if resource is not None and resource["Type"] == "AWS::Serverless::LayerVersion":
            folders.append(BUILD_DIR / resource["Properties"]["ContentUri"] / "python")
    return folders


def dummy_environment(logical_id: str) -> dict[str, str]:
    """The function's environment variables from the template, as Lambda sets them: literal values as
    they are, and a dummy for each reference (a resource name, a parameter) that only a deployment resolves.
    Settings are read at first use, so importing must not need any of them."""
    variables = {
        **global_function_properties().get("Environment", {}).get("Variables", {}),
        **built_resources()[logical_id]["Properties"].get("Environment", {}).get("Variables", {}),
    }
    return {
        name: str(value) if isinstance(value, str | int | float) else f"dummy-{name.lower()}"
        for name, value in variables.items()
    }


def global_environment() -> dict[str, str]:
    """What every function gets: the Globals' literal variables."""
    variables = global_function_properties().get("Environment", {}).get("Variables", {})
    return {name: str(value) for name, value in variables.items() if isinstance(value, str | int | float)}


def runtime_name() -> str:
    runtime: str = global_function_properties()["Runtime"]
    return runtime


def layers() -> dict[str, dict[str, Any]]:
    return {
        logical_id: resource
        for logical_id, resource in built_resources().items()
        if resource["Type"] == "AWS::Serverless::LayerVersion"
    }


def assert_built_for_this_machine() -> None:
    """A build for another architecture (`make deploy` builds arm64) cannot be imported here: say so
    rather than fail on a compiled module."""
    machine = {"aarch64": "arm64", "amd64": "x86_64"}.get(platform.machine(), platform.machine())
    for logical_id, layer in layers().items():
        built_for = layer.get("Metadata", {}).get("BuildArchitecture")
        assert built_for == machine, (
            f".aws-sam/local-build has {logical_id} built for {built_for}, this machine is {machine}: "
            "`make build`"
        )


def check_imports(
    search_path: list[Path],
    environment: dict[str, str],
    *,
    modules: Sequence[str] = (),
    handlers: Sequence[tuple[str, str]] = (),
    sources: Sequence[Path] = (),
) -> list[str]:
    """Runs IMPORT_CHECK in a fresh runtime interpreter: -I ignores PYTHON* variables, the user's site and
    the working directory, -B writes no bytecode into the build; the environment holds only what is given."""
    assert_built_for_this_machine()
    assert RUNTIME_PYTHON.is_file(), (
        f"{RUNTIME_PYTHON.relative_to(ROOT)} is missing: `make build` (run by `make test`) creates it"
    )
    request = {
        "search_path": [str(entry) for entry in search_path],
        "modules": list(modules),
        "handlers": list(handlers),
        "sources": [str(source) for source in sources],
        "runtime": runtime_name(),
    }
    with tempfile.TemporaryDirectory() as empty_directory:
        completed = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
            [str(RUNTIME_PYTHON), "-I", "-B", "-c", IMPORT_CHECK, json.dumps(request)],
            capture_output=True,
            text=True,
            cwd=empty_directory,
            env=environment,
            timeout=300,
            check=False,
        )
    assert completed.returncode == 0, (
        f"the import check itself failed:\n{completed.stdout}\n{completed.stderr}"
    )
    failures: list[str] = json.loads(completed.stdout.strip().splitlines()[-1])
    return failures


@pytest.mark.parametrize("logical_id", FUNCTION_IDS)
def test_every_function_imports_from_its_built_artifact_alone(logical_id: str) -> None:
    resource = built_resources().get(logical_id)
    assert resource is not None, (
        f"{logical_id} is not in .aws-sam/local-build: it is older than the template (make build)"
    )
    properties = resource["Properties"]
    function_folder = BUILD_DIR / properties["CodeUri"]
    module_name, handler_name = properties["Handler"].rsplit(".", 1)
    # Lambda's order: the function's folder, then the layers, then the runtime's own packages.
    search_path = [function_folder, *layer_folders(logical_id)]
    environment = {
        **LAMBDA_ENVIRONMENT,
        **dummy_environment(logical_id),
        "AWS_LAMBDA_FUNCTION_NAME": logical_id,
        "LAMBDA_TASK_ROOT": str(function_folder),
    }

    failures = check_imports(
        search_path, environment, handlers=[(module_name, handler_name)], sources=[function_folder]
    )

    assert not failures, f"{logical_id} does not import from its built artifact:\n\n" + "\n\n".join(failures)


def test_every_module_of_the_built_layer_imports_with_what_it_imports_lazily() -> None:
    """Each module of the shared package, and every module any of them imports, at the top or inside a
    function (as xlsxwriter and reportlab are, for the few functions that need them), comes from the layer
    or the runtime: a requirement missing from layers/common/requirements.txt fails here."""
    layer = next(
        BUILD_DIR / resource["Properties"]["ContentUri"] / "python" for resource in layers().values()
    )
    package = layer / "billing_portal"
    assert package.is_dir(), (
        f"the built layer has no billing_portal package: {sorted(p.name for p in layer.iterdir())}"
    )
    modules = sorted(
        ".".join(file.relative_to(layer).with_suffix("").parts).removesuffix(".__init__")
        for file in package.rglob("*.py")
    )
    environment = {**LAMBDA_ENVIRONMENT, **global_environment()}

    failures = check_imports([layer], environment, modules=modules, sources=[package])

    assert not failures, "the built layer does not import:\n\n" + "\n\n".join(failures)


def test_the_runtime_interpreter_sees_nothing_of_the_project() -> None:
    """The checks above prove something only if the runtime interpreter finds nothing but boto3 and the
    standard library: not the shared package, nor its dependencies, nor the local stack's code."""
    assert RUNTIME_PYTHON.is_file(), f"{RUNTIME_PYTHON.relative_to(ROOT)} is missing: `make build` creates it"
    candidates = ("billing_portal", "pydantic", "aws_lambda_powertools", "localrun", "yaml", "boto3")
    probe = f"import importlib.util as u; print(sorted(m for m in {candidates!r} if u.find_spec(m)))"
    with tempfile.TemporaryDirectory() as empty_directory:
        completed = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
            [str(RUNTIME_PYTHON), "-I", "-B", "-c", probe],
            capture_output=True,
            text=True,
            cwd=empty_directory,
            env=LAMBDA_ENVIRONMENT,
            timeout=60,
            check=True,
        )
    assert completed.stdout.strip() == "['boto3']"


def test_the_built_layer_speaks_french_from_its_compiled_catalogues() -> None:
    """The layer ships the compiled catalogues the build makes from the .po files (never committed): in the
    runtime's interpreter, with the layer alone, a message reads in French, and names the billing team from
    the function's settings."""
    layer = next(
        BUILD_DIR / resource["Properties"]["ContentUri"] / "python" for resource in layers().values()
    )
    for language in ("en", "fr"):
        assert (layer / "billing_portal/i18n/locale" / language / "LC_MESSAGES/portal.mo").is_file(), language
    brand = {
        "PROVIDER_NAME_EN": "Maple",
        "PROVIDER_NAME_FR": "Érable",
        "PORTAL_NAME_EN": "Portal",
        "PORTAL_NAME_FR": "Portail",
        "BILLING_EMAIL": "billing@maple.example",
        "BILLING_PHONE_EN": "1-800-555-0100",
        "BILLING_PHONE_FR": "1-800-555-0101",
    }
    probe = (
        "from billing_portal.i18n import _; from billing_portal.i18n.words import words_in; "
        "print(words_in('fr')(_('The card has been declined.'))); "
        "print(words_in('fr')(_('the billing team at {billing_email} or {billing_phone}')))"
    )
    with tempfile.TemporaryDirectory() as empty_directory:
        completed = subprocess.run(  # noqa: S603  # nosec B603 - fixed arguments, no shell
            [
                str(RUNTIME_PYTHON),
                "-I",
                "-B",
                "-c",
                f"import sys; sys.path.insert(0, {str(layer)!r}); {probe}",
            ],
            capture_output=True,
            text=True,
            cwd=empty_directory,
            env={**LAMBDA_ENVIRONMENT, **brand},
            timeout=60,
            check=True,
        )
    assert completed.stdout.splitlines() == [
        "La carte a été refusée.",
        "l'équipe de facturation au billing@maple.example ou au 1-800-555-0101",
    ]
