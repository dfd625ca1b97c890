@echo off
rem Start the GPT-SoVITS-RU web UI: go-webui.bat [--lang ru] [--listen] [--port 9874] [--root DIR]
rem First run: creates .venv, installs torch (%TORCH_SPEC%, default torch==2.13.0) then requirements.txt.
rem Later runs skip the install while .venv exists and requirements.txt + TORCH_SPEC are unchanged.
setlocal
cd /d "%~dp0"
if "%TORCH_SPEC%"=="" set "TORCH_SPEC=torch==2.13.0"
if "%PYTHON%"=="" set "PYTHON=python"
set "VENV=.venv"
set "STAMP=%VENV%\.requirements.sha256"

if not exist "%VENV%\Scripts\python.exe" (
    echo creating the virtual environment %VENV%
    "%PYTHON%" -m venv "%VENV%" || exit /b 1
)

for /f "usebackq delims=" %%h in (`"%VENV%\Scripts\python.exe" -c "import hashlib,os;print(hashlib.sha256(open('requirements.txt','rb').read()+open('requirements-nodeps.txt','rb').read()+os.environ['TORCH_SPEC'].encode()).hexdigest())"`) do set "WANTED=%%h"
set "HAVE="
if exist "%STAMP%" set /p HAVE=<"%STAMP%"
if not "%HAVE%"=="%WANTED%" (
    echo installing %TORCH_SPEC% and requirements.txt into %VENV%
    "%VENV%\Scripts\python.exe" -m pip install --upgrade pip || exit /b 1
    "%VENV%\Scripts\python.exe" -m pip install %TORCH_SPEC% || exit /b 1
    "%VENV%\Scripts\python.exe" -m pip install -r requirements.txt || exit /b 1
    "%VENV%\Scripts\python.exe" -m pip install --no-deps -r requirements-nodeps.txt || exit /b 1
    > "%STAMP%" echo %WANTED%
)

set GRADIO_ANALYTICS_ENABLED=False
"%VENV%\Scripts\python.exe" webui.py %*
