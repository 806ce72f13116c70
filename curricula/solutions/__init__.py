"""Reference-solution generators: Brainfuck/Befunge code builders shared by the task families."""
